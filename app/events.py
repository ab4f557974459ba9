"""Signals between domains that must not import each other (blinker).

The marketplace sends them after a change is committed; engines such as matching
subscribe, so the marketplace does not depend on them.
"""
from blinker import Namespace

_signals = Namespace()
# sender: the JobPosting that was created or edited (already committed)
job_saved = _signals.signal("job-saved")
# sender: the User all of whose sessions just ended (sign-out, password or role change)
sessions_ended = _signals.signal("sessions-ended")
