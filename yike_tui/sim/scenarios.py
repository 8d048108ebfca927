"""The simulator's job books: ``demo`` (a dozen hand-picked fates) and ``load`` (N jobs).

Job ids are 32 hex digits like the real ones, derived from the seed, so a run can be
repeated. Load jobs are built lazily on first request: 100,000 ids cost a list, not
100,000 plans.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass

from yike_tui.sim.jobs import Encoding, Fate, SimJob, end_time, plan_storyboards

SHOT_ERRORS = (
    "NoMediaData",
    "ContentModerationFailed",
    "VideoGenerationTimeout",
    "ImageGenerationFailed",
    "AudioSynthesisFailed",
)
STORYBOARD_TITLES = (
    "Opening: the inn at dusk",
    "The stranger's letter",
    "Rain on the river road",
    "A lantern goes out",
    "Market day",
    "The chase across the roofs",
    "Confession",
    "Dawn",
)


def default_params(title: str, **overrides: str) -> dict[str, str]:
    params = {
        "FileURL": "https://yike-demo.oss-cn-shanghai.aliyuncs.com/novels/source.txt",
        "ShotPromptMode": "multi",
        "SourceType": "Novel",
        "ModelParams": '{\n "AudioEnable": false\n}',
        "ShotSplitMode": "firstPersonNarration",
        "NarrationVoiceId": "sys_YoungGracefulWoman",
        "VideoModel": "wan2.6-r2v-flash",
        "StyleId": "RealisticPhotography",
        "Resolution": "1K",
        "Title": title,
        "AspectRatio": "16:9",
    }
    params.update(overrides)
    return params


def job_id_for(seed: int, scenario: str, index: int) -> str:
    return hashlib.md5(f"{scenario}:{seed}:{index}".encode()).hexdigest()


@dataclass(frozen=True)
class Recipe:
    """What a job will do, before the RNG lays out its storyboards."""

    title: str
    fate: Fate
    storyboards: int
    age: float  # seconds since submission when the simulator starts
    span: float  # job-time over which its storyboards run
    fail_index: int | None = None
    shot_failures: tuple[tuple[int, str, str], ...] = ()  # (storyboard index, shot, code)
    encoding: Encoding = Encoding.PLAIN
    exec_mode: str = "FullPipeline"
    status_override: str | None = None


def build_job(job_id: str, recipe: Recipe, rng: random.Random, now: float) -> SimJob:
    prefix = rng.randrange(1_000_000_000, 1_999_999_000)
    failures: dict[int, tuple[tuple[str, str], ...]] = {}
    for index, shot, code in recipe.shot_failures:
        failures[index] = (*failures.get(index, ()), (shot, code))
    titles = list(STORYBOARD_TITLES)
    rng.shuffle(titles)
    plans = plan_storyboards(
        [rng.random() for _ in range(4 * recipe.storyboards)],
        recipe.storyboards,
        prefix,
        start=2.0,
        span=recipe.span,
        fail_index=recipe.fail_index,
        shot_failures=failures,
        titles=titles,
    )
    suspend_at = None
    if recipe.fate is Fate.SUSPEND and plans:
        suspend_at = max(p.parse_done for p in plans) + 1.0  # waits for the user's review
    job = SimJob(
        id=job_id,
        params=default_params(recipe.title),
        created=now - recipe.age,
        storyboards=plans,
        fate=recipe.fate,
        end=end_time(plans, recipe.fate),
        suspend_at=suspend_at,
        encoding=recipe.encoding,
        status_override=recipe.status_override,
        media_size=rng.randrange(600_000, 2_400_000),
        exec_mode=recipe.exec_mode,
    )
    if recipe.fate is Fate.SUSPEND:
        # After a resume the job runs on to success.
        job.end = max((p.produce_done for p in plans), default=0.0) + 20.0
    return job


# The demo's hostile-title example: a clipboard-setting OSC 52, markup, a screen clear, a
# bidi override and a zero-width space, each to show as inert text. Named as the example
# first, so a newcomer does not take it for a bug (what follows still shows what is made
# safe).
HOSTILE_PREFIX = "Hostile-title demo: "
HOSTILE_TITLE = (
    HOSTILE_PREFIX + "\x1b]52;c;aGFja2Vk\x07[/bold][red]BOOM[/red] \x1b[2J\u202eevil\u200b title"
)

DEMO_RECIPES: tuple[Recipe, ...] = (
    Recipe("The Long Night at Xiangxi Inn", Fate.SUCCEED, 6, age=60, span=240),
    Recipe("Harbour Lights — Episode 1", Fate.SUCCEED, 5, age=7200, span=600),
    Recipe(
        "Midnight Courier",
        Fate.FAIL,
        7,
        age=3600,
        span=900,
        fail_index=4,
        shot_failures=(
            (1, "12", "NoMediaData"),
            (1, "15", "ContentModerationFailed"),
            (4, "3", "VideoGenerationTimeout"),
        ),
    ),
    Recipe("Paper Cranes (waiting for review)", Fate.SUSPEND, 4, age=1800, span=400),
    Recipe("Chronicles of the Jade Empire — Season 1", Fate.SUCCEED, 40, age=300, span=3600),
    Recipe("湘西古镇最后的赶尸人：记忆、告别与归途（长篇悬疑改编）", Fate.SUCCEED, 8,
           age=120, span=900),
    Recipe("🎬 Cyberpunk Cat Café ☕🐱 Ep. 2", Fate.SUCCEED, 3, age=5400, span=300,
           encoding=Encoding.SPARSE),
    Recipe(HOSTILE_TITLE, Fate.FAIL, 5, age=30, span=300, fail_index=3,
           shot_failures=((0, "7", "[red]NoMediaData\x1b[5m"),)),
    Recipe("Winter Market", Fate.FAIL, 4, age=10, span=120, fail_index=2,
           shot_failures=((1, "4", "NoMediaData"),)),
    Recipe("Quick Teaser 15s", Fate.SUCCEED, 2, age=30, span=45),
    Recipe("The Lighthouse Keeper", Fate.SUSPEND, 3, age=0, span=200),
    Recipe(
        "test",
        Fate.SUCCEED,
        2,
        age=86400,
        span=600,
        shot_failures=((0, "54", "NoMediaData"),),
        encoding=Encoding.DOUBLE,
    ),
    Recipe("Rainy Alley (storyboards only)", Fate.SUCCEED, 4, age=2400, span=500,
           exec_mode="StoryboardOnly"),
)  # fmt: skip


def load_recipe(rng: random.Random) -> Recipe:
    """A realistic mix: most running for hours, some done, failed, suspended or finishing."""
    r = rng.random()
    count = rng.randint(3, 20)
    encoding = rng.choices(list(Encoding), weights=(8, 1, 1))[0]
    title = f"{rng.choice(STORYBOARD_TITLES).split(':')[0]} #{rng.randrange(1, 10_000)}"
    failures = tuple(
        (rng.randrange(count), str(rng.randrange(1, 80)), rng.choice(SHOT_ERRORS))
        for _ in range(rng.choice((0, 0, 0, 1, 2)))
    )
    if r < 0.70:
        fate, age, span = Fate.SUCCEED, rng.uniform(0, 600), rng.uniform(10_800, 21_600)
    elif r < 0.85:
        fate, age, span = Fate.SUCCEED, rng.uniform(30_000, 90_000), rng.uniform(600, 3600)
    elif r < 0.93:
        fate, age, span = Fate.FAIL, rng.uniform(30_000, 90_000), rng.uniform(600, 3600)
    elif r < 0.97:
        fate, age, span = Fate.SUSPEND, rng.uniform(30_000, 90_000), rng.uniform(600, 3600)
    else:
        fate, age, span = Fate.SUCCEED, rng.uniform(0, 60), rng.uniform(60, 300)
    fail_index = rng.randrange(count) if fate is Fate.FAIL else None
    return Recipe(title, fate, count, age, span, fail_index, failures, encoding)


class JobBook:
    """All jobs the simulator knows, by id; load jobs are planned on first use."""

    def __init__(self, seed: int, now: float) -> None:
        self.seed = seed
        self._start = now
        self._jobs: dict[str, SimJob] = {}
        self._lazy: dict[str, int] = {}
        self.ids: list[str] = []
        self._submitted = 0

    @classmethod
    def demo(cls, seed: int, now: float) -> JobBook:
        book = cls(seed, now)
        for index, recipe in enumerate(DEMO_RECIPES):
            job_id = job_id_for(seed, "demo", index)
            rng = random.Random(f"{seed}:demo:{index}")
            book.add(build_job(job_id, recipe, rng, now))
        return book

    @classmethod
    def load(cls, seed: int, now: float, count: int) -> JobBook:
        book = cls(seed, now)
        for index in range(count):
            job_id = job_id_for(seed, "load", index)
            book._lazy[job_id] = index
            book.ids.append(job_id)
        return book

    def add(self, job: SimJob) -> None:
        self._jobs[job.id] = job
        self.ids.append(job.id)

    def get(self, job_id: str) -> SimJob | None:
        job = self._jobs.get(job_id)
        if job is None and job_id in self._lazy:
            index = self._lazy.pop(job_id)
            rng = random.Random(f"{self.seed}:load:{index}")
            job = build_job(job_id, load_recipe(rng), rng, self._start)
            self._jobs[job_id] = job
        return job

    def __iter__(self) -> Iterator[SimJob]:
        for job_id in list(self.ids):
            job = self.get(job_id)
            if job is not None:
                yield job

    def __len__(self) -> int:
        return len(self.ids)

    def submit(self, params: dict[str, str], exec_mode: str, now: float) -> SimJob:
        """A new job from a submit call. A title containing ``[fail]`` or ``[suspend]``
        picks that fate, so tests and demos can ask for one."""
        index = self._submitted
        self._submitted += 1
        rng = random.Random(f"{self.seed}:submit:{index}")
        job_id = job_id_for(self.seed, "submit", index)
        title = params.get("Title", "")
        fate = Fate.SUCCEED
        if "[fail]" in title:
            fate = Fate.FAIL
        elif "[suspend]" in title:
            fate = Fate.SUSPEND
        count = rng.randint(3, 6)
        recipe = Recipe(
            title,
            fate,
            count,
            age=0,
            span=rng.uniform(120, 300),
            fail_index=count - 1 if fate is Fate.FAIL else None,
            exec_mode=exec_mode,
        )
        job = build_job(job_id, recipe, rng, now)
        job.params = default_params(title, **params)
        self.add(job)
        return job
