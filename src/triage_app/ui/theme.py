"""One palette for the whole window, and the style sheet made from it."""

from __future__ import annotations

PALETTE = {
    "window": "#f5f6f8",
    "panel": "#ffffff",
    "text": "#1f2328",
    "muted": "#656d76",
    "accent": "#1a7f37",
    "bar": "#8c959f",
    "border": "#d0d7de",
    "warning": "#9a6700",
    "overlay": "rgba(31, 35, 40, 225)",
}

STYLE_SHEET = f"""
QMainWindow, QDialog {{ background: {PALETTE["window"]}; }}
QLabel {{ color: {PALETTE["text"]}; }}
QLabel#mutedText {{ color: {PALETTE["muted"]}; }}
QLabel#suggestedLabel {{ color: {PALETTE["accent"]}; font-size: 18px; font-weight: 600; }}
QLabel#sectionTitle {{ color: {PALETTE["muted"]}; font-size: 11px; font-weight: 600; }}
QLabel#reviewerLabels {{ font-size: 14px; font-weight: 600; }}
QLabel#escalation {{ color: {PALETTE["warning"]}; }}
QLabel#noteText {{ color: {PALETTE["warning"]}; font-style: italic; }}
QLabel#emptyQueue {{ color: {PALETTE["muted"]}; font-size: 16px; }}
QPlainTextEdit#messageView {{
    background: {PALETTE["panel"]}; border: 1px solid {PALETTE["border"]}; border-radius: 6px;
    padding: 8px; font-size: 17px; color: {PALETTE["text"]};
}}
QFrame#panel {{
    background: {PALETTE["panel"]}; border: 1px solid {PALETTE["border"]}; border-radius: 6px;
}}
QFrame#helpOverlay {{ background: {PALETTE["overlay"]}; }}
QFrame#helpOverlay QLabel {{ color: #ffffff; font-size: 14px; }}
QProgressBar {{
    border: 1px solid {PALETTE["border"]}; border-radius: 4px; background: {PALETTE["panel"]};
    height: 10px; text-align: center;
}}
QProgressBar::chunk {{ background: {PALETTE["accent"]}; border-radius: 3px; }}
"""
