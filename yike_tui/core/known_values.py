"""The values Yike documents for a submit's choices: data, each value with who documents it.

Two sources, read on the dates below:

- ``SKILL``: the vendor's agent skill ``alibabacloud-yike-storyboard`` (its SKILL.md, in
  ``aliyun/alibabacloud-aiops-skills``), the tooling that walks an ICE user through a
  submit; read 2026-11-01.
- ``YIKE_SDK``: the Yike product API's SDK ``alibabacloud-yike20260319`` 2.2.1, the
  "Valid values" of ``SubmitYikeStoryboardJobRequest``; read 2026-12-07. ICE's SDK
  (``alibabacloud-ice20201109`` 6.20.2) lists values for none of these but ExecMode.

Where the two disagree the SDK is the newer word, but both are kept: the lists grow as
the vendor adds styles and voices. yike-tui offers these values (help, the form's lists)
and warns on one no source documents for the API in use, then sends it all the same: the
service is the judge of a value, never a list kept here. The simulator, as strict as the
documentation, refuses what the API it plays does not document.
"""

from __future__ import annotations

from dataclasses import dataclass

SKILL = "skill"
YIKE_SDK = "yike-sdk"
_BOTH = frozenset({SKILL, YIKE_SDK})
_SKILL = frozenset({SKILL})
_SDK = frozenset({YIKE_SDK})
# Which sources speak for which API version: the skill is ICE's tooling; the Yike
# product's own SDK documents its API. A value either documents is offered on ICE (its
# SDK lists none); on the Yike API, only the SDK's are documented.
_SOURCES_OF_API = {"2020-11-09": _BOTH, "2026-03-19": _SDK}


@dataclass(frozen=True)
class Known:
    value: str
    help: str
    sources: frozenset[str] = _BOTH


@dataclass(frozen=True)
class KnownValues:
    param: str  # the API's name for it
    flag: str  # the CLI's
    items: tuple[Known, ...]

    def choices(self) -> tuple[tuple[str, str], ...]:
        """(value, help) of every known value: what help and the form offer."""
        return tuple((item.value, item.help) for item in self.items)

    def documented_for(self, version: str) -> tuple[str, ...]:
        """The values a source documents for the API of ``version``."""
        sources = _SOURCES_OF_API.get(version, _BOTH)
        return tuple(item.value for item in self.items if item.sources & sources)

    def warning(self, value: str, version: str, api_name: str) -> str:
        """ "" when ``value`` is documented for that API; else one line saying it is sent
        anyway (near misses in case named)."""
        if value in self.documented_for(version):
            return ""
        known = self.choices()
        if any(item.value == value for item in self.items):
            return (
                f"{self.flag} {value!r} is not documented for the {api_name} API "
                "(only for the other); sent as given"
            )
        near = [v for v, _ in known if v.lower() == value.lower()]
        hint = f" (did you mean {near[0]}?)" if near else ""
        return f"{self.flag} {value!r} is not a value Yike documents{hint}; sent as given"


# Both SDKs list exactly these two, and nothing else could mean anything: checked, not warned.
EXEC_MODES = ("FullPipeline", "StoryboardOnly")

SOURCE_TYPES = KnownValues(
    "SourceType",
    "--source-type",
    (
        Known("Novel", "narration, description, inner life: text to be read"),
        Known("Script", "scenes, dialogue, action: text to be performed", _SKILL),
    ),
)
STYLES = KnownValues(
    "StyleId",
    "--style-id",
    (
        Known("RealisticPhotographyPro", "Realistic Photography Pro"),
        Known("RealisticGuzhuangPro", "Realistic Chinese Period Pro"),
        Known("RealisticXianxiaPro", "Realistic Xianxia Pro", _SDK),
        Known("RealisticWesternPro", "Realistic Western Pro", _SDK),
        Known("RealisticPhotography", "Realistic Photography"),
        Known("RealisticGuzhuang", "Realistic Chinese Period"),
        Known("RealisticXianxia", "Realistic Xianxia (fantasy)"),
        Known("RealisticEra", "Realistic Period"),
        Known("RealisticWasteland", "Realistic Wasteland"),
        Known("GuofengAnime", "2D Chinese Style Anime"),
        Known("GuofengAnime3D", "3D Chinese Style Anime"),
        Known("AncientRomanceAnime", "Anime Ancient Romance", _SDK),
        Known("PostApocalypticAnime", "Anime Post-Apocalyptic", _SDK),
        Known("Cartoon3D", "3D Cartoon"),
        Known("Photorealistic3D", "Photorealistic 3D Render"),
        Known("SciFiRealism", "Sci-Fi Realism"),
        Known("Chibi3D", "3D Chibi"),
        Known("ShojoManga", "Shojo Manga"),
        Known("NewPeriodAnime", "New Era Anime"),
        Known("FairyTale2D", "2D Fairy Tale"),
        Known("Wasteland2D", "2D Wasteland"),
        Known("InkWuxia", "Ink Wuxia"),
        Known("ShadiaoMeme", "Panda Meme Style"),
        Known("Chibi2D", "2D Chibi"),
        Known("Ghibli", "Ghibli"),
        Known("SciFiComic", "Cyberpunk"),
        Known("AmericanSuperhero", "American Superhero"),
        Known("Hokusei", "Hokusei", _SKILL),
        Known("RealisticComic", "Realistic Comic", _SKILL),
        Known("CinematicRealism", "Cinematic Realism (modern, urban)", _SKILL),
        Known("MinimalistRealism", "Minimalist Realism", _SKILL),
        Known("ShonenManga", "Shonen Manga", _SKILL),
    ),
)
VOICES = KnownValues(
    "NarrationVoiceId",
    "--voice",
    (
        Known("sys_ClassicMiddleAgedWoman", "classic female narrator (25-45, wise)"),
        Known("sys_ClassicYoungWoman", "classic young female (18-25, intellectual)"),
        Known("sys_IntellectualYoungWoman", "intellectual young female (18-25)"),
        Known("sys_GentleYoungMan", "gentle young male (18-25)"),
        Known("sys_WiseYoungMan", "wise young male (18-25)"),
        Known("sys_ClassicYoungMan", "classic young male (18-25, charming)"),
        Known("sys_thoughtfulBoy", "thoughtful boy (10-15, well-behaved)"),
        Known("sys_SereneIntellect", "serene intellectual male (18-25, cool, rational)"),
        Known("sys_RichBassMale", "rich bass male (18-25, deep voice)"),
        Known("sys_CalmDeepMale", "calm deep male (25-40, steady)"),
        Known("sys_MajesticBaritone", "majestic baritone (40-60, authoritative)"),
        Known("sys_GravellySoulful", "gravelly soulful male (40-60, weathered)"),
        Known("sys_SweetBrightGirl", "sweet bright girl (10-15, lively)"),
        Known("sys_GracefulPoisedWoman", "graceful poised woman (18-25, elegant)"),
        Known("longbaizhi", "Long Baizhi (20-30, witty female narrator)", _SKILL),
        Known("sys_YoungGracefulWoman", "young graceful woman (18-25, gentle)"),
        Known("sys_MaturePoisedWoman", "mature poised woman (25-40, graceful)"),
        Known("sys_MatureWiseWoman", "mature wise woman (25-40, elegant, wise)"),
        Known("sys_ElderlyWistfulWoman", "elderly wistful woman (40-60, nostalgic)"),
    ),
)
SPLIT_MODES = KnownValues(
    "ShotSplitMode",
    "--shot-split-mode",
    (
        Known("dialogue", "dialogue-heavy scripts, short dramas (Script only)", _SKILL),
        Known("firstPersonNarration", "the protagonist's view, diary style"),
        Known("firstPersonNarrationPureVO", "inner monologue, prose: voice-over only", _SKILL),
        Known("thirdPersonNarration", "omniscient view: fairy tales, history", _SKILL),
    ),
)
ASPECT_RATIOS = KnownValues(
    "AspectRatio",
    "--aspect-ratio",
    (
        Known("9:16", "vertical, for phones (the skill's default)"),
        Known("16:9", "landscape, for YouTube and screens"),
        Known("4:3", "classic landscape"),
        Known("3:4", "classic portrait"),
    ),
)
RESOLUTIONS = KnownValues(
    "Resolution",
    "--resolution",
    (
        Known("720P", "HD (the skill's default)"),
        Known("1080P", "Full HD", _SDK),
        Known("1K", "higher quality", _SKILL),
        Known("2K", "higher still"),
        Known("4K", "the highest"),
    ),
)
SHOT_PROMPT_MODES = KnownValues(
    "ShotPromptMode",
    "--shot-prompt-mode",
    (
        Known("multi", "multi-reference video generation (the skill's choice)"),
        Known("default", "image-to-video generation"),
    ),
)
VIDEO_MODELS = KnownValues(
    "VideoModel",
    "--video-model",
    (Known("wan2.6-r2v-flash", "the model the skill and the SDK name"),),
)
EVERY = (
    SOURCE_TYPES,
    STYLES,
    VOICES,
    SPLIT_MODES,
    ASPECT_RATIOS,
    RESOLUTIONS,
    SHOT_PROMPT_MODES,
    VIDEO_MODELS,
)
