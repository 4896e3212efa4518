"""Brief methods: one algorithm per module, each choosing sentences from a `StoryText`."""
