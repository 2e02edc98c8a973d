"""From answers to posts: the compiled digest, templates, approval, the publications per audience,
every answer in full beside the digest, and the preview of a ritual's posts."""
