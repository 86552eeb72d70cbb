"""Risk objectives, the evaluation that makes an agent ELIGIBLE, and its ERC-8004 identity."""

from __future__ import annotations

from schema.generated import halyrd_evaluation, halyrd_identity, halyrd_risk

Objective = halyrd_risk.Objective
Evaluation = halyrd_evaluation.Evaluation
Identity = halyrd_identity.Identity
IdentityEndpoint = halyrd_identity.IdentityEndpoint
IdentityRegistration = halyrd_identity.IdentityRegistration
