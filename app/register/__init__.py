"""The public register of vetted recruiters, the licence check, signed copies and badges."""
