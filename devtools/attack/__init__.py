"""`make attack`: issue 11's attacks, heavier than the regression tests, against a running proxy.

`python -m devtools.attack` starts the JumpCloud emulator and the proxy (`scim-proxy serve
--record`, configured as the README advises for production), each in a process of its own,
runs every registered attack while a probe process keeps sending a legitimate search, and
prints a table: the attack, what the proxy answered, the JumpCloud calls it caused (from the
proxy's own metrics, probe calls excluded) and the probe's latency meanwhile. Attacks live in
`registry.ATTACKS`; add one with `@attack(...)` in a module listed in `ATTACK_MODULES`.
"""
