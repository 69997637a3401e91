"""Fake ad-platform APIs: real HTTP servers on loopback, answering as the platforms document."""
