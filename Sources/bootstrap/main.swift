// The Lambda entry point. Placeholder until the runtime loop lands.
print("bootstrap: runtime loop not built yet")
