"""Human review of extracted records: review pages (:mod:`.page`) and corrections."""
