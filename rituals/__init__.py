"""The domain: ritual definitions, schedules, the run lifecycle, forms, compiling and rendering."""
