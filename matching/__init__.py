"""Matching: embeddings, the job search index, and candidate-job matching with explanations."""
