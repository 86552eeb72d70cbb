"""The domain: plain async `verb_noun(session, *, ...)` functions that raise DomainError."""
