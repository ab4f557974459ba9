"""What each audit action means, in words: reviewers and admins read the log and a
dossier's history, never the action's stored name."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTIONS = {
    "aggregation.run": _l("Job source read"),
    "aggregation.run_failed": _l("Job source could not be read"),
    "aggregation.run_requested": _l("Job source reading requested"),
    "aggregation.source_created": _l("Job source added"),
    "aggregation.source_updated": _l("Job source changed"),
    "application.status_changed": _l("Application moved to another stage"),
    "application.submitted": _l("Application sent"),
    "corridor.created": _l("Corridor added"), "corridor.updated": _l("Corridor changed"),
    "grievance.assigned": _l("Case assigned to a reviewer"),
    "grievance.classified": _l("Case classified for statistics"),
    "grievance.complaint_filed": _l("Complaint filed"),
    "grievance.finding_verified": _l("Findings confirmed by a reviewer"),
    "grievance.finding_unverified": _l("Findings no longer marked as confirmed"),
    "grievance.key_locked": _l("Reports locked"), "grievance.key_unlocked": _l("Reports unlocked"),
    "grievance.keys_created": _l("Reviewers' report key created"),
    "grievance.message_added": _l("Message added to a case"),
    "grievance.organisation_linked": _l("Case linked to an organisation"),
    "grievance.passphrase_changed": _l("Reviewers' passphrase changed"),
    "grievance.replied": _l("Reviewer replied"),
    "grievance.status_changed": _l("Case moved to another stage"),
    "grievance.unlock_failed": _l("Wrong passphrase to unlock the reports"),
    "interview.cancelled": _l("Interview cancelled"),
    "interview.other_times_requested": _l("Worker asked for other interview times"),
    "interview.outcome_recorded": _l("Interview outcome recorded"),
    "interview.proposed": _l("Interview times proposed"),
    "interview.rescheduled": _l("Interview moved"), "interview.scheduled": _l("Interview set"),
    "job.closed": _l("Job closed"), "job.created": _l("Job posted"),
    "job.updated": _l("Job changed"),
    "organisation.claim_approved": _l("Claim on a listing approved"),
    "organisation.claim_refused": _l("Claim on a listing refused"),
    "organisation.claim_requested": _l("Listing claimed"),
    "organisation.clear": _l("Reviewer cleared the organisation"),
    "organisation.warn": _l("Reviewer put the organisation under review"),
    "organisation.suspend": _l("Reviewer suspended the organisation"),
    "organisation.refer": _l("Reviewer referred the organisation to the authorities"),
    "organisation.listed_from_source": _l("Organisation listed from a job source"),
    "organisation.registered": _l("Organisation registered"),
    "organisation.tier_changed": _l("Rating changed after new evidence"),
    "organisation.updated": _l("Organisation details changed"),
    "register.key_created": _l("Register signing key created"),
    "review.submitted": _l("Worker review sent"), "review.hidden": _l("Worker review hidden"),
    "review.kept": _l("Worker review kept"), "review.unhidden": _l("Worker review shown again"),
    "user.api_token_issued": _l("API token issued"),
    "user.recovery_code_used": _l("Recovery code used to sign in"),
    "user.registered": _l("Account registered"), "user.updated": _l("Account changed"),
    "user.second_factor_enrolled": _l("Authenticator app set up"),
    "user.second_factor_link_issued": _l("Authenticator set-up link issued"),
    "user.second_factor_link_spent": _l("Authenticator set-up link used"),
    "user.second_factor_locked": _l("Sign-in codes locked after wrong attempts"),
}
OBJECTS = {
    "Organisation": _l("organisation"), "JobPosting": _l("job"), "User": _l("account"),
    "Application": _l("application"), "GrievanceCase": _l("case"),
    "OrganisationReview": _l("worker review"), "Corridor": _l("corridor"),
    "JobSource": _l("job source"), "Interview": _l("interview"),
    "OrganisationClaim": _l("claim"), "GrievanceKey": _l("report key"),
    "VerifyKey": _l("register key"),
}


def action_label(action: str) -> str:
    """The action in words; one added without a label reads as words, not as its name."""
    label = ACTIONS.get(action)
    return str(label) if label else action.replace(".", ": ").replace("_", " ").capitalize()


def object_label(object_type: str, object_id: int | None) -> str:
    """"job 12", "organisation 3": what an entry is about."""
    kind = str(OBJECTS.get(object_type, object_type))
    return f"{kind} {object_id}" if object_id is not None else kind
