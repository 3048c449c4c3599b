"""SP4N-LAPOR! synchronisation (the national complaints hub, KemenPAN-RB), optional per mall.

Providers of the integration kind LAPOR: ``lapor-splp`` (through the SPLP gateway: an OAuth2
client-credentials token in front of LAPOR!'s own ``auth``/``token`` headers) and ``lapor``
(LAPOR! directly, its headers only). Protocol facts: ``../shared/national-systems.md`` §4b, §5.

- ``client``: the HTTP side (the gateway's token, cached and refreshed; the ``results`` envelope).
- ``services``: pushes through the outbox (reports, staff follow-ups) and the periodic pull
  (follow-ups of linked reports, reports forwarded to the mall).
- ``fake``: ``FakeLapor``, a loopback server speaking both, for the tests and ``run_fakes``.
"""
