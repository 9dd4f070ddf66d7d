"""The pure domain: models, vocabulary, prompt assembly, references, character specs, scenes."""
