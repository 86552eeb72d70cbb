"""The brain: an overview of the lab's state and what needs attention, a memory bank, and chat
tasks that read through tools and propose through approvals (never act).

overview.py (GET /api/brain/overview), memory.py (GET /api/brain/memory and the operator's
GraphQL add/forget), tasks.py (the chat routes over `brain.chat` jobs), run.py (one run's
three steps: gather, answer, finish), actions.py (what approving a brain proposal does).
"""
