"""The Explore tab: the guide's concept map, finding a concept, a concept's neighbourhood, and the
path between two concepts. The map is drawn in the browser with the vendored Cytoscape.js
(``tutor/web/static/``, docs/conceptmap.md)."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import gradio as gr

from kg import ConceptNotFound, NoPath
from tutor.errors import TutorError
from tutor.study.library import BUILTIN_KEY
from tutor.web import render
from tutor.web.friendly import friendly_errors
from tutor.web.state import AppState, Follower

STATIC = Path(__file__).resolve().parent.parent / "static"  # the concept map's JS, CSS, HTML
PICK = "*Pick a concept, or click a node on the map.*"


class _Parts(NamedTuple):
    concept: gr.Dropdown
    explore: gr.Button
    find: gr.Textbox
    matches: gr.Radio
    picture: gr.HTML
    details: gr.Markdown
    start: gr.Dropdown
    end: gr.Dropdown
    relate: gr.Button


def _asset(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def _library() -> str:
    """The vendored Cytoscape.js as the map's ``head``: Gradio runs it once, before the map's
    ``js_on_load``. Read from the package, never from a path a user gives."""
    return f"<script>{_asset('vendor/cytoscape.min.js')}</script>"


def concept_map_html(map_data: dict) -> gr.HTML:
    """The concept map of ``map_data`` (``kg.concept_map``): our JavaScript, CSS and HTML, with
    the vendored Cytoscape.js in the page's head."""
    return gr.HTML(
        value=None,
        html_template=_asset("concept_map.html"),
        css_template=_asset("concept_map.css"),
        js_on_load=_asset("concept_map.js"),
        head=_library(),
        apply_default_css=False,
        map_data=map_data,
        elem_id="concept-map",
    )


def _concept_list(state: AppState, label: str, *, scale: int) -> gr.Dropdown:
    """A list of the guide's concepts that also takes any typed name (found by meaning)."""
    names = state.tutor.concepts()
    return gr.Dropdown(choices=names, value=None, label=label, allow_custom_value=True, scale=scale)


def _layout(state: AppState) -> _Parts:
    """The concept list, the search, the map beside the details, and the two lists of a path."""
    with gr.Row():
        concept = _concept_list(state, "Concept", scale=4)
        explore = gr.Button("Explore", variant="primary", scale=1)
    with gr.Row():
        find = gr.Textbox(
            label="Find a concept",
            placeholder="A name, an abbreviation (ALB), a misspelling or a question",
            scale=4,
        )
        matches = gr.Radio(label="Matches", choices=[], scale=4)
    with gr.Row():
        with gr.Column(scale=3):
            picture = concept_map_html(state.concept_map(BUILTIN_KEY))
        with gr.Column(scale=2):
            details = gr.Markdown(PICK)
    with gr.Row():
        start = _concept_list(state, "How is", scale=2)
        end = _concept_list(state, "related to", scale=2)
        relate = gr.Button("Show the path", scale=1)
    return _Parts(concept, explore, find, matches, picture, details, start, end, relate)


def build(state: AppState) -> None:
    """The map, the concept lists, and the ``explore`` and ``relate`` endpoints; also opens the
    item of Check's verdict, and follows the session's guide."""
    with gr.Tab("Explore", id="explore"):
        ui = _layout(state)
    picture, details = ui.picture, ui.details

    @friendly_errors
    def explore(concept: str, key: str | None = None, request: gr.Request | None = None) -> dict:
        """The concept chosen on the map (``{"focus": node id, "path": []}``) and its
        neighbourhood as markdown."""
        found = state.studying(key, request).explore(concept)
        return {picture: {"focus": found.node, "path": []}, details: render.exploration(found)}

    def explore_clicked(
        chosen: dict | None, key: str | None = None, request: gr.Request | None = None
    ) -> dict:
        """A node clicked on the map (its id in ``chosen["focus"]``), explored as above, its
        name put in the Concept box."""
        node = (chosen or {}).get("focus") if isinstance(chosen, dict) else None
        graph = state.studying(key, request).graph
        if not isinstance(node, str) or node not in graph:
            raise gr.Error("Pick a concept on the map.", print_exception=False)
        return {**explore(node, key), ui.concept: gr.Dropdown(value=graph.nodes[node]["label"])}

    @friendly_errors
    def find(text: str, key: str | None = None, request: gr.Request | None = None) -> dict:
        """The concepts the text may mean, listed with how each was found (by name, alias,
        spelling or meaning); picking one explores it."""
        found = state.studying(key, request).find_concepts(text)
        choices = [(render.concept_match(match), match.node) for match in found]
        label = f"Matches ({len(found)})" if found else "No concept of the guides matches"
        return {ui.matches: gr.Radio(choices=choices, value=None, label=label)}

    def picked(node: str | None, key: str | None = None) -> dict:
        """A match picked: explored as a click on the map is."""
        if not node:
            return {}
        return explore_clicked({"focus": node}, key)

    @friendly_errors
    def relate(
        start: str, end: str, key: str | None = None, request: gr.Request | None = None
    ) -> dict:
        """The path between two concepts, drawn on the map and told as numbered steps, each
        with its explanation; a name that is no concept gets the closest ones instead."""
        try:
            found = state.studying(key, request).relate(start, end)
        except (ConceptNotFound, NoPath) as missing:
            return {picture: {"focus": None, "path": []}, details: render.not_related(missing)}
        return {
            picture: {"focus": None, "path": list(found.nodes)},
            details: render.relation(found),
        }

    @friendly_errors
    def explore_item(title: str | None, key: str | None = None) -> dict:
        """Check's verdict item opened here: the map focused on it, its details, the concept
        list set to it, and this tab selected."""
        if not title:
            raise TutorError("Check a claim first; its item then opens here.")
        opened = {ui.concept: gr.Dropdown(value=title), state.tabs: gr.Tabs(selected="explore")}
        return {**explore(title, key), **opened}

    def reset(key: str) -> dict:
        """The guide's concepts in the three lists, its map, no search and no details yet."""
        names = state.library.tutor(key).concepts()  # a key the switch checked
        lists = {
            box: gr.Dropdown(choices=names, value=None) for box in (ui.concept, ui.start, ui.end)
        }
        shown = gr.HTML(value={"focus": None, "path": []}, map_data=state.concept_map(key))
        cleared = {ui.find: "", ui.matches: gr.Radio(choices=[], value=None, label="Matches")}
        return {**lists, **cleared, picture: shown, details: PICK}

    followed = (ui.concept, ui.find, ui.matches, ui.start, ui.end, picture, details)
    state.followers.append(Follower(followed, reset))
    key, shown = state.guide_key, [picture, details]
    gr.on(
        [ui.explore.click, ui.concept.select],
        explore,
        inputs=[ui.concept, key],
        outputs=shown,
        api_name="explore",
    )
    picture.click(
        explore_clicked,
        inputs=[picture, key],
        outputs=[*shown, ui.concept],
        api_visibility="private",
    )
    gr.on(
        [ui.find.submit],
        find,
        inputs=[ui.find, key],
        outputs=ui.matches,
        api_name="find_concepts",
    )
    ui.matches.select(
        picked, inputs=[ui.matches, key], outputs=[*shown, ui.concept], api_visibility="private"
    )
    ui.relate.click(relate, inputs=[ui.start, ui.end, key], outputs=shown, api_name="relate")
    state.open_in_explore.click(
        explore_item,
        inputs=[state.checked_title, key],
        outputs=[*shown, ui.concept, state.tabs],
        api_visibility="private",
    )
