"""Jobs and applications: postings with their cost disclosures, and the hiring workflow."""
