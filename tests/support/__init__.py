"""Reusable loopback servers and rigs for tests.

- :mod:`tests.support.httpserver`: :class:`HTTPTestServer`, scriptable per path.
- :mod:`tests.support.dnsserver`: :class:`DNSTestServer`, records, NXDOMAIN, silence.
- :mod:`tests.support.tlsserver`: :class:`TLSServers`, good and bad certificates.
- :mod:`tests.support.smtpserver`: :class:`SMTPTestServer` (aiosmtpd).
- :mod:`tests.support.desktop`: a notification server on a private D-Bus.
- :mod:`tests.support.browser`: headless Chromium for the status page.
- :mod:`tests.support.chaos`: every hostile target at once, for the engine.
- :mod:`tests.support.crashrig`: SIGKILL the real engine under load, then check.
- :mod:`tests.support.hostile`: markup, escapes and control characters to inject.
- :mod:`tests.support.terminal`, :mod:`tests.support.manyproc`: real dashboards
  in pseudo-terminals, and several processes on one database.
- :mod:`tests.support.net`: ``free_port()``, ``ShiftedClock``.
- :mod:`tests.support.wait`: ``wait_for`` / ``until`` a condition holds.

All servers run in daemon threads, so they serve while the test's event loop is
busy, and bind 127.0.0.1 on random ports.
"""
