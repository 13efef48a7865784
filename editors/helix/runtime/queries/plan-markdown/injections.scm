; inherits: markdown
; The plan-markdown language (languages.toml, way B) uses the markdown grammar; Helix looks
; queries up by language name, so this file hands it the markdown injections queries.
