"""Why a candidate and a job match: matched skills, hard constraints, similarity; and the
texts embedded for a worker profile (job-relevant fields only) and for a job."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matching.encoder import Encoder

# The only profile fields that may describe a worker to the model (see profile_text).
PROFILE_FIELDS = ("desired_occupation", "headline", "skills", "experience_years",
                  "experience", "languages")
# Never embedded or ranked on, whatever the caller passes (DESIGN.md, Matching).
PROTECTED_FIELDS = frozenset({"name", "display_name", "full_name", "email", "gender", "sex",
                              "age", "birth_date", "date_of_birth", "religion", "ethnicity",
                              "race", "nationality", "citizenship", "photo", "photo_url",
                              "marital_status", "disability"})
SEMANTIC_THRESHOLD = 0.5  # cosine of a skill and a job phrase; MiniLM puts paraphrases above
_STOPWORDS = frozenset("a an and as at be by for from in into of on or the to with "
                       "using use good basic work".split())
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_PHRASE_BREAK = re.compile(r"[.;:!?\n•]+|,\s")


@dataclass(frozen=True)
class CandidateFacts:
    """What matching may know about a worker: skills and job-relevant constraints only."""

    skills: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()  # ISO 639-1 codes
    corridors: tuple[str, ...] = ()  # corridor codes, e.g. "NP-QA"; empty = any corridor
    available_from: dt.date | None = None


@dataclass(frozen=True)
class JobFacts:
    title: str
    description: str = ""
    corridor: str | None = None
    contract_languages: tuple[str, ...] = ()
    valid_through: dt.date | None = None
    published: bool = True
    organisation_tier: str | None = None
    occupation: str | None = None

    @property
    def text(self) -> str:
        return f"{self.title}. {self.description}".strip()


@dataclass(frozen=True)
class SkillMatch:
    skill: str
    how: str  # "words": the skill's words occur in the job; "meaning": a close phrase does
    evidence: str  # the job phrase (or words) that matched
    similarity: float | None = None


@dataclass(frozen=True)
class ConstraintCheck:
    name: str  # corridor, language, availability, open, organisation
    passed: bool
    detail: str  # for developers; pages word `facts` for their reader (matching/wording.py)
    facts: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class MatchExplanation:
    similarity: float
    occupation: str | None
    matched_skills: tuple[SkillMatch, ...] = ()
    unmatched_skills: tuple[str, ...] = ()
    constraints: tuple[ConstraintCheck, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        """Every hard constraint holds."""
        return all(c.passed for c in self.constraints)

    @property
    def failed(self) -> tuple[ConstraintCheck, ...]:
        return tuple(c for c in self.constraints if not c.passed)

    @property
    def skill_overlap(self) -> float:
        """Share of the candidate's skills that the job asks for (0 with no skills)."""
        total = len(self.matched_skills) + len(self.unmatched_skills)
        return len(self.matched_skills) / total if total else 0.0


def profile_text(profile: Mapping[str, Any] | object) -> str:
    """The text embedded for a worker profile, from job-relevant fields only.

    Reads only PROFILE_FIELDS (desired occupation, headline, skills, years and text of
    experience, languages), from a mapping or an object such as a WorkerProfile. Name,
    gender, age, religion, ethnicity, nationality and photo are never read, so they cannot
    move a worker's vector or ranking: matching must judge the work a person can do, not who
    they are (ILO C111 on discrimination in employment; DESIGN.md, Matching). Years of
    experience are a stated qualification that employers ask for, not an age.
    """
    get = profile.get if isinstance(profile, Mapping) else (
        lambda key, default=None: getattr(profile, key, default))
    skills = [str(s).strip() for s in get("skills") or () if str(s).strip()]
    years = get("experience_years") or 0
    languages = [_language_name(code) for code in get("languages") or ()]
    parts = [get("desired_occupation") or "", get("headline") or "",
             f"Skills: {', '.join(skills)}" if skills else "",
             f"{years} year{'' if years == 1 else 's'} of experience" if years else "",
             get("experience") or "",
             f"Languages: {', '.join(languages)}" if languages else ""]
    return ". ".join(" ".join(str(p).split()).rstrip(".") for p in parts if str(p).strip())


def job_embed_text(title: str, occupation: str, description: str) -> str:
    """The text embedded for a job: its title, occupation and the start of its description
    (the model reads about 256 tokens, so more would not be seen)."""
    return ". ".join(part for part in (title, occupation, description[:1000]) if part)


def _language_name(code: str) -> str:
    """'ne' -> 'Nepali'; an unknown code is kept as given."""
    import pycountry  # imported here: only profile texts need language names

    language = pycountry.languages.get(alpha_2=str(code).lower())
    # "Nepali (macrolanguage)" -> "Nepali"
    return re.sub(r"\s*\(.*\)", "", language.name) if language else str(code)


def stem(word: str) -> str:
    """A light, conservative English suffix stripper: welders/welding/welder -> weld.

    Used to compare skills with job text; it needs no model, so explanations stay cheap.
    """
    w = word.lower()
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    for suffix in ("ing", "ers", "er", "ed", "es", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not w.endswith("ss"):
            w = w[:-len(suffix)]
            break
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
        w = w[:-1]
    return w


def content_words(text: str) -> list[str]:
    """Stemmed, lower-cased words of a text, without stopwords."""
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]


def job_phrases(job: JobFacts) -> list[str]:
    """The title and the short phrases of a job's description, for semantic skill matching."""
    pieces = [job.title, *_PHRASE_BREAK.split(job.description)]
    return [p.strip() for p in pieces if p.strip()]


def match_skills(skills: Sequence[str], job: JobFacts, encoder: Encoder | None = None,
                 threshold: float = SEMANTIC_THRESHOLD) -> tuple[list[SkillMatch], list[str]]:
    """(matched, unmatched) skills: by shared words first, then by meaning if an encoder
    is given (the best job phrase at or above `threshold` cosine similarity)."""
    job_words = set(content_words(job.text))
    matched, rest = [], []
    for skill in dict.fromkeys(s.strip() for s in skills if s and s.strip()):
        words = content_words(skill)
        if words and set(words) <= job_words:
            matched.append(SkillMatch(skill, "words", " ".join(words)))
        else:
            rest.append(skill)
    if encoder is None or not rest:
        return matched, rest
    phrases = job_phrases(job)
    if not phrases:
        return matched, rest
    sims = encoder.encode(rest) @ encoder.encode(phrases).T
    unmatched = []
    for skill, row in zip(rest, sims):
        best = int(np.argmax(row))
        if row[best] >= threshold:
            matched.append(SkillMatch(skill, "meaning", phrases[best], float(row[best])))
        else:
            unmatched.append(skill)
    return matched, unmatched


def check_constraints(candidate: CandidateFacts, job: JobFacts,
                      today: dt.date) -> tuple[ConstraintCheck, ...]:
    """The hard constraints of a match, each passed or not, with a short reason."""
    speaks = {c.lower() for c in candidate.languages}
    contract = [c.lower() for c in job.contract_languages]
    common = [c for c in contract if c in speaks]
    expired = job.valid_through is not None and job.valid_through < today
    return (
        ConstraintCheck("corridor", not candidate.corridors or job.corridor in candidate.corridors,
                        f"job in {job.corridor or 'no corridor'}; worker looks at "
                        f"{', '.join(candidate.corridors) or 'any corridor'}",
                        (("job", job.corridor), ("worker", tuple(candidate.corridors)))),
        # ILO General Principle 8: a contract in a language the worker understands.
        ConstraintCheck("language", not contract or bool(common),
                        f"contract in {', '.join(contract) or 'unstated'}; "
                        f"shared: {', '.join(common) or 'none'}",
                        (("contract", tuple(contract)), ("shared", tuple(common)))),
        ConstraintCheck("availability", candidate.available_from is None
                        or job.valid_through is None
                        or candidate.available_from <= job.valid_through,
                        f"available from {candidate.available_from or 'now'}",
                        (("available_from", candidate.available_from),)),
        ConstraintCheck("open", job.published and not expired,
                        f"valid through {job.valid_through or 'no end date'}",
                        (("valid_through", job.valid_through),)),
        ConstraintCheck("organisation", job.organisation_tier != "suspended",
                        f"organisation {job.organisation_tier or 'unrated'}",
                        (("tier", job.organisation_tier),)),
    )


def explain_match(candidate: CandidateFacts, job: JobFacts, similarity: float, *,
                  today: dt.date, encoder: Encoder | None = None,
                  threshold: float = SEMANTIC_THRESHOLD) -> MatchExplanation:
    """Everything a template shows about one match."""
    matched, unmatched = match_skills(candidate.skills, job, encoder, threshold)
    return MatchExplanation(similarity=float(similarity), occupation=job.occupation,
                            matched_skills=tuple(matched), unmatched_skills=tuple(unmatched),
                            constraints=check_constraints(candidate, job, today))
