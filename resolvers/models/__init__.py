"""Models and providers: the provider interface, its two providers (an OpenAI-compatible HTTP
one and the offline lab analyst), the model-routing policy and the recorded calls."""
