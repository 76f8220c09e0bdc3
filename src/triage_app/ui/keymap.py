"""The one table of keyboard shortcuts: every command, its title, its menu and default keys.

Menus, the help overlay and the key bindings are all made from this table, so they cannot
disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from triage_app.review.session import ALTERNATIVE_KEYS


@dataclass(frozen=True)
class Command:
    """A command the reviewer can run: `id` names the window method that runs it."""

    id: str
    title: str
    keys: tuple[str, ...]
    menu: str


# Menus appear in this order.
MENUS = ("File", "Review", "View", "Help")

KEYMAP: tuple[Command, ...] = (
    Command("accept", "Accept the suggestion", ("A", "Return", "Enter"), "Review"),
    *(
        Command(f"overturn_{n}", f"Overturn to alternative {n}", (str(n),), "Review")
        for n in range(1, ALTERNATIVE_KEYS + 1)
    ),
    Command(
        "pick_label", "Overturn to a label from the whole taxonomy…", ("/", "Ctrl+K"), "Review"
    ),
    Command("skip", "Skip (the item comes back at the end)", ("S",), "Review"),
    Command("undo", "Undo the last decision", ("Ctrl+Z",), "Review"),
    Command("note", "Add a note to this item…", ("N",), "Review"),
    Command("scroll_down", "Scroll the message down", ("PgDown", "Space"), "Review"),
    Command("scroll_up", "Scroll the message up", ("PgUp", "Shift+Space"), "Review"),
    Command("show_review", "Review pane", ("Ctrl+1",), "View"),
    Command("show_dashboard", "Dashboard pane", ("Ctrl+2",), "View"),
    Command("refresh_dashboard", "Refresh the dashboard", ("F5",), "View"),
    Command("show_help", "Keyboard shortcuts", ("?", "F1"), "Help"),
    Command("quit", "Quit", ("Ctrl+Q",), "File"),
)


def command(command_id: str) -> Command:
    for entry in KEYMAP:
        if entry.id == command_id:
            return entry
    raise KeyError(command_id)
