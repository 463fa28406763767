"""Getting a school started: the lead's set-up checklist, briefings, parent letter, privacy
notices, help pages, and the lead's data page (export and deletion)."""
