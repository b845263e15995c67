"""Tests of the reference server, over real HTTP on loopback."""
