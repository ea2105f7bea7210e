"""The SPARQL 1.1 query endpoint: request parsing, safety checks, formats and
the executor that runs queries with a real timeout.  Never imports Flask."""
