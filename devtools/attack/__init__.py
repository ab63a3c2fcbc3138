"""`make attack`: issue 11's attacks, heavier than the regression tests, against running proxies.

`python -m devtools.attack` starts the JumpCloud emulator and the proxy (`scim-proxy serve
--record`, configured as the README advises for production), each in a process of its own
(stacks.py), runs every registered attack in the order of the issue's items while a probe
process keeps sending a legitimate request (probe.py), and prints a table (measure.py): the
attack, what the proxy answered, the JumpCloud calls it caused (from the proxy's own metrics,
the probe's excluded), the probe's latency meanwhile, the proxy's peak memory and a verdict.

Most attacks share one proxy and repeat for two seconds so that the probe sees them. Those
whose point is state the proxy keeps (the rows of items 2 and 4 that reach JumpCloud) declare a
`Stack`: a proxy and emulator of their own, started fresh, maybe a slow JumpCloud, run once,
with a working tenant's search as the probe (auth_attacks.py says why). Attacks live in
`registry.ATTACKS`; add one with `@attack(...)` in a module listed in `ATTACK_MODULES`.
"""
