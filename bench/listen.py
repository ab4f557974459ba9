"""Spoken job summaries: synthesis time per job and audio size per minute, per language.

    .venv/bin/python bench/listen.py [--jobs 12]

Loads the demo corridors, organisations and jobs (with their vetting) into a SQLite file in
a temporary folder, then for each language with a voice builds the summaries of the first
N public demo jobs, spread over the corridors, and synthesises each one for real (espeak-ng,
then ffmpeg to Ogg/Opus, as the site does). Prints, per language, the time to build the
text, the synthesis time per job (wall clock, mean and slowest; and the tools' CPU time), the
audio's length and its KB (1000 bytes) per minute; then the cost of a request that finds its
audio already made.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.jobs.models import JobPosting  # noqa: E402
from app.listen import services, speech  # noqa: E402
from app.organisations.models import Organisation  # noqa: E402


def _load_demo() -> None:
    from seed.builders import (load_esco, rescore_all, seed_corridors, seed_jobs,
                               seed_organisations)
    load_esco()
    seed_corridors()
    seed_organisations()
    seed_jobs()
    rescore_all()  # the warning signs and the ad's own words about costs


def _sample(count: int) -> list[JobPosting]:
    """The first public jobs of each corridor in turn, so every corridor's currency and
    kinds of warning are heard."""
    jobs = list(db.session.scalars(
        sa.select(JobPosting).join(JobPosting.organisation)
        .where(Organisation.tier != "suspended").order_by(JobPosting.id)))
    by_corridor: dict[int, list[JobPosting]] = {}
    for job in jobs:
        by_corridor.setdefault(job.corridor_id, []).append(job)
    rounds = zip(*by_corridor.values())
    return [job for batch in rounds for job in batch][:count]


def _measure(language: str, jobs: list[JobPosting], folder: Path) -> dict[str, float]:
    voice = speech.voice_for(language)
    texts, build, made, cpu, seconds, sizes = [], [], [], [], [], []
    for job in jobs:
        start = time.perf_counter()
        texts.append(services.job_listening(job, language).text)
        build.append(time.perf_counter() - start)
    for n, text in enumerate(texts):
        start, used = time.perf_counter(), _children_cpu()
        audio = speech.synthesise(text, voice, services.ENCODING)
        made.append(time.perf_counter() - start)
        cpu.append(_children_cpu() - used)
        path = folder / f"{language}-{n}.ogg"
        path.write_bytes(audio)
        seconds.append(speech.duration(path))
        sizes.append(len(audio))
    per_minute = [size / 1000 / (s / 60) for size, s in zip(sizes, seconds)]
    return {"build_ms": 1000 * statistics.mean(build), "synth_s": statistics.mean(made),
            "synth_max_s": max(made), "cpu_s": statistics.mean(cpu),
            "audio_s": statistics.mean(seconds), "audio_max_s": max(seconds), "chars": statistics.mean(map(len, texts)),
            "kb_min": sum(sizes) / 1000 / (sum(seconds) / 60), "kb_min_max": max(per_minute),
            "kb_job": sum(sizes) / 1000 / len(sizes)}


def _children_cpu() -> float:
    """CPU seconds used by finished child processes (espeak-ng, ffmpeg): unlike the wall
    clock, it does not grow when other work shares the machine."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _cached_request(app, job: JobPosting) -> float:
    """Seconds for an audio request whose summary has not changed (made once before)."""
    client = app.test_client()
    url = f"/jobs/{job.id}/listen/ne.ogg"
    client.get(url).close()
    start = time.perf_counter()
    client.get(url).close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=12, help="jobs per language")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"FAIRCORRIDOR_ENV": "testing", "INSTANCE_PATH": folder,
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite"})
        with app.app_context(), app.test_request_context("/"):
            db.create_all()
            _load_demo()
            jobs = _sample(args.jobs)
            print(f"{len(jobs)} demo jobs per language; encoding {services.ENCODING}")
            print(f"{'lang':<5}{'voice':<8}{'chars':>6}{'text ms':>9}{'synth s':>9}"
                  f"{'max s':>7}{'cpu s':>7}{'audio s':>9}{'max s':>7}{'KB/job':>8}{'KB/min':>8}"
                  f"{'max':>6}")
            for language, voice in speech.VOICES.items():
                r = _measure(language, jobs, Path(folder))
                print(f"{language:<5}{voice:<8}{r['chars']:>6.0f}{r['build_ms']:>9.1f}"
                      f"{r['synth_s']:>9.2f}{r['synth_max_s']:>7.2f}{r['cpu_s']:>7.2f}"
                      f"{r['audio_s']:>9.1f}"
                      f"{r['audio_max_s']:>7.1f}{r['kb_job']:>8.1f}{r['kb_min']:>8.1f}"
                      f"{r['kb_min_max']:>6.1f}")
            print(f"cached audio request (unchanged job): "
                  f"{1000 * _cached_request(app, jobs[0]):.1f} ms")


if __name__ == "__main__":
    main()
