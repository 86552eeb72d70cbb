"""The verdict settings section: battery thresholds stored as overrides on top of
LabConfig.verdict (TRADEGRAPH_VERDICT_THRESHOLDS, else the BatteryThresholds defaults).

Every scalar threshold is a field (block_length, optional, and cost_multiples, a list, are
config-only). The defaults a GET shows are the configured ones. The battery reads
`effective_thresholds(session, lab)` when it judges (POST /api/verdict and the gauntlet's
steps), so an update takes effect on the next run, no restart. A combination the battery
refuses (BatteryThresholds' own checks, e.g. significance must be below 1) is a 422
INVALID_SETTING and nothing is stored.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput
from resolvers.lab.services import Lab
from resolvers.quant.battery_setup import BatteryThresholds
from resolvers.settings.fields import FieldSpec, FieldType, Scalar, load_stored

SECTION = "verdict"


def fields(base: BatteryThresholds) -> tuple[FieldSpec, ...]:
    """One field per int/float threshold, its default the configured value."""
    specs = []
    for item in dataclasses.fields(BatteryThresholds):
        value = getattr(base, item.name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        kind: FieldType = "int" if isinstance(value, int) else "float"
        specs.append(
            FieldSpec(item.name, kind, value, f"battery threshold {item.name}", 0, 1_000_000)
        )
    return tuple(specs)


def apply(base: BatteryThresholds, values: dict[str, Scalar]) -> BatteryThresholds:
    """`base` with `values` over it (422 INVALID_SETTING when the battery refuses them)."""
    try:
        return dataclasses.replace(base, **values)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            f"verdict thresholds refused: {exc}",
            code="INVALID_SETTING",
            details={"section": SECTION, "fields": sorted(values)},
        ) from None


async def effective_thresholds(session: AsyncSession, lab: Lab) -> BatteryThresholds:
    """The thresholds the battery judges with now: the stored overrides over the config's."""
    base = lab.config.verdict
    specs = fields(base)
    values = (await load_stored(session, SECTION, specs)).values
    return apply(base, values)
