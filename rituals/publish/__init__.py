"""From answers to posts: the compiled digest, templates, approval, and the publications per audience."""
