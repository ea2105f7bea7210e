"""What the dataset says about itself: DCAT-AP, VoID, SPARQL SD, schema.org,
sitemap, citation.  One structured description (:mod:`.model`) feeds every
serialiser.  Never imports Flask."""
