"""The SPARQL 1.1 query endpoint: request parsing, safety checks, formats and
the executor that runs queries in a killable subprocess.  Never imports Flask."""
