"""The seed task: ModelNew, the single-file emitter, the pair evaluator, the seed three-pass baseline."""
