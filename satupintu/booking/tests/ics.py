"""Read an iCalendar text as a calendar app would: unfold, split properties, by component."""


def ics_read(text: str) -> dict[str, dict[str, str]]:
    """The properties of each component ("VCALENDAR", "VEVENT") by name, parameters dropped."""
    assert text.endswith("\r\n"), "lines end in CRLF"
    unfolded = text.replace("\r\n ", "").replace("\r\n\t", "")
    components: dict[str, dict[str, str]] = {}
    stack: list[str] = []
    for line in unfolded.split("\r\n"):
        if not line:
            continue
        name, _, value = line.partition(":")
        name = name.split(";")[0].upper()
        if name == "BEGIN":
            stack.append(value)
            components.setdefault(value, {})
        elif name == "END":
            assert stack.pop() == value, "components nest"
        else:
            components[stack[-1]][name] = value
    assert not stack, "every component ends"
    return components
