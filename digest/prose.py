"""What is prose and what is not, in one place: text that is never an article's, by language
(NOT_ARTICLE); the boilerplate lines and the wire dateline that ingest drops from an article; a
sentence's furniture, captions, lead-ins and dateline that keep it out of a brief; and the
openers that lean on a sentence before them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from digest.literals import Alternatives, required_literals

# Rules by language ----------------------------------------------------------------------
# To support one more language, add its entry to both tables.
#
# NOT_ARTICLE: text that is never an article's, whatever the page or mail: widgets, footers,
# notices. A short line of an article (a notice's own paragraph) that holds one is dropped at
# ingest; a sentence that holds one is kept out of a brief. Each names the furniture itself, not
# a subject: a report about cookies, newsletters or an error is prose. (Regular expressions,
# matched ignoring case.)
NOT_ARTICLE: dict[str, tuple[str, ...]] = {
    "en": (
        r"you (?:are receiving|received|were sent|get) this (?:e-?mail|newsletter|message)\b",
        r"want to change how you receive these e-?mails\b",
        r"you (?:can|may) (?:update your preferences|unsubscribe)\b",
        r"(?:update your (?:e-?mail )?preferences|manage your (?:e-?mail )?(?:preferences|"
        r"subscriptions?)) or unsubscribe\b",
        r"unsubscribe from (?:this|our|these) (?:list|e-?mails?|newsletters?|mailing)\b",
        r"keep it civil\b",
        r"this copy is for your personal,? non-?commercial use\b",
        r"http error \d{3}\b",
        r"the request(?:ed)? url (?:\S+ )?(?:is|was) (?:forbidden|rejected|not found)\b",
        r"\d+ issues for [£$€] ?\d",
        r"use your browser'?s back button\b",
        r"the page you (?:are|were) looking for (?:could not be found|cannot be found|does not"
        r" exist|doesn't exist|no longer exists)\b",
        r"register (?:now|today) for (?:this|our|the) (?:free )?(?:\w+ )?(?:webinar|event)\b",
        # a "follow this author" widget: "Get email notifications on Ann Lee daily! Your
        # notification has been saved. …"
        r"get e-?mail notifications on\b.{1,80}?\bdaily!",
        r"your notification has been saved\b",
        r"(?:there was )?a problem saving your notification\b",
        r"posts new content, you'?ll get an e-?mail\b",
        r"e-?mail notifications are (?:only )?sent once a day\b",
    ),
    "fr": (
        r"(?:ce site|notre site|nous) utilis(?:e|ons) des cookies\b",
        r"en poursuivant votre navigation\b",
        r"(?:abonnez|inscrivez)-vous à (?:notre|la) (?:newsletter|lettre d'information)\b",
        r"tous droits réservés\b",
        r"(?:lire|à lire) aussi\s*:",
        r"suivez-nous sur\b",
        r"vous recevez (?:cet e-?mail|cette newsletter|ce message)\b",
        r"(?:vous|se) (?:désabonner|désinscrire) (?:de|du) (?:cette|la|notre|ce) (?:liste|"
        r"newsletter|lettre|service)\b",
    ),
    "de": (
        r"(?:diese (?:web)?seite|diese website|wir) (?:verwendet|verwenden|nutzt|nutzen) cookies\b",
        r"(?:verwenden|nutzen|setzen) wir cookies\b|cookies (?:akzeptieren|zulassen)\b",
        r"(?:in unserem|im) kostenlosen [\w-]*newsletter\b",
        r"(?:jetzt )?(?:kostenlos )?(?:zum|für den|für unseren) newsletter anmelden\b",
        r"(?:abonnieren|bestellen) sie (?:jetzt )?(?:unseren|den) (?:\w+ )?newsletter\b",
        r"melden sie sich (?:jetzt )?(?:für|zu) unserem newsletter an\b",
        r"alle rechte vorbehalten\b",
        r"(?:lesen sie auch|mehr zum thema|auch interessant)\s*:",
        r"folgen sie uns auf\b",
        r"teilen sie (?:dies|diesen (?:artikel|beitrag)) mit\s*:",  # a share widget's label
        r"(?:lösche|löschen sie|bitte löschen?)\b.{0,30}\bcookies\b",  # a site's own advice
        r"sie erhalten diese (?:e-?mail|nachricht|newsletter)\b",
        r"(?:vom|von unserem) newsletter ab(?:melden|bestellen)\b|newsletter abbestellen\b",
    ),
    "es": (
        r"(?:este sitio(?: web)?|esta web|utilizamos|usamos) (?:utiliza |usa )?cookies\b",
        r"si continúa(?:s)? navegando\b",
        r"suscríbe(?:te|se) a (?:nuestro|nuestra|la|el) (?:boletín|newsletter)\b",
        r"todos los derechos reservados\b",
        r"(?:lee|lea|leer) (?:también|más)\s*:",
        r"síguenos en\b",
        r"(?:recibes|recibe) este (?:correo|mensaje|boletín)\b",
        r"(?:darse|darte|date) de baja (?:de|del) (?:este|esta|nuestro|nuestra|la|el)? ?(?:"
        r"boletín|lista|newsletter|correo|servicio)\b",
    ),
}
# Searched in lower-cased text, from the start of a word: four to eight times faster than a
# search with re.IGNORECASE at every position, and every sentence of a story is searched. So a
# rule is written in lower case and begins with a word; in a language that writes compounds as
# one word ("Wochennewsletter abbestellen"), anywhere.
COMPOUNDING = frozenset({"de"})
_NOT_ARTICLE = re.compile(
    r"\b(?:"
    + "|".join(
        rule for lang, rules in NOT_ARTICLE.items() if lang not in COMPOUNDING for rule in rules
    )
    + ")|(?:"
    + "|".join(rule for lang in sorted(COMPOUNDING) for rule in NOT_ARTICLE[lang])
    + ")"
)
_NOT_ARTICLE_LINE_WORDS = 40  # a longer line is a paragraph of prose around one
_NOT_ARTICLE_RULES = Alternatives(_NOT_ARTICLE)  # the same matches, found many times faster


def not_article(text: str) -> bool:
    """True when a sentence holds text that is never an article's (NOT_ARTICLE)."""
    return _NOT_ARTICLE_RULES.search(text.lower())


# NAMES_THE_MEDIUM: words with which a sentence speaks of the page, the mail or the reader
# rather than of the news: "this article", "your inbox", a web address, a handle, "subscribe".
# Notices have this shape, and few sentences of news do (about 3 in 100 inside a paragraph): a
# sentence inside a paragraph is counted as possible furniture (`clean`) only when it has it, so
# counting them costs little. Lower case, each from the start of a word but for the shared ones.
NAMES_THE_MEDIUM: dict[str, tuple[str, ...]] = {
    "en": (
        r"this (?:article|story|report|page|site|website|e-?mail|newsletter|post|video|content)\b",
        r"(?:our|your) (?:\w+ )?(?:site|website|newsletter|app|inbox|e-?mail|browser|subscription"
        r"|account|privacy|cookies?|edition)\b",
        r"click",
        r"subscribe\b",
        r"subscription",
        r"sign up\b",
        r"log ?in\b",
        r"unsubscribe",
        r"advertisement",
        r"sponsored by\b",
        r"read more(?: at| here|:)",
        r"continue reading\b",
        r"copyright",
        r"all rights\b",
    ),
    "fr": (r"cet article\b", r"(?:notre|votre) (?:site|application|newsletter|boîte)\b",
           r"abonnez\b", r"abonnement\b", r"cliquez\b", r"publicité\b", r"lire la suite\b"),
    "de": (r"diese[nrm]? (?:artikel|beitrag|seite|newsletter)\b", r"abonnieren\b",
           r"(?:unsere[nrm]?|ihre[nrm]?) (?:webseite|website|app|newsletter|postfach)\b",
           r"klicken sie\b", r"weiterlesen\b"),
    "es": (r"este (?:artículo|boletín|correo)\b", r"nuestro (?:sitio|boletín|app)\b",
           r"suscr[íi]b[ae]te\b", r"suscripción\b", r"haga clic\b", r"publicidad\b", r"leer más\b"),
}  # fmt: skip
_MEDIUM = re.compile(
    r"\b(?:"
    + "|".join(rule for rules in NAMES_THE_MEDIUM.values() for rule in rules)
    + r")|www\.|https?:|@\w|©|newsletter"
)
_MEDIUM_RULES = Alternatives(_MEDIUM)


def names_the_medium(sentence: str) -> bool:
    """True when a sentence speaks of the page, the mail or its reader (NAMES_THE_MEDIUM): the
    shape of a notice, not a verdict (a report may say "this report" too)."""
    return _MEDIUM_RULES.search(sentence.lower())


# At ingest ------------------------------------------------------------------------------

_BOILERPLATE = re.compile(
    r"""^(?:
        leave\ a\ (?:reply|comment)
      | your\ email\ address\ will\ not\ be\ published
      | required\ fields\ are\ marked
      | the\ post\ .{1,300}\ appeared\ first\ on\b
      | (?:please\ )?(?:subscribe|sign\ up)\b.{0,80}
        \b(?:newsletter|updates|channel|today|free|here|now)
      | share\ (?:this|on)\b
      | (?:click|tap)\ here\b
      | follow\ us\ on\b
      | (?:all\ rights\ reserved|copyright\ ©|©\ ?\d{4})
      | advertisement$
      | (?:read|see)\ (?:more|also)\s*:
      | related(?:\ stories|\ articles)?\s*:
      | (?:tweet|email|print|facebook|twitter|linkedin|whatsapp)(?:\s*[|/·]\s*\w+)*$
      | \d+\ comments?$
      | view\ (?:this|it)\ (?:email|newsletter|message)\ (?:in|on)\ (?:your|a|the)\ browser
      | (?:having\ trouble\ (?:viewing|reading)\ this\ (?:email|newsletter))
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_BOILERPLATE_ANYWHERE = re.compile(
    r"your email address will not be published|appeared first on\b", re.IGNORECASE
)
# The dateline of an article's first paragraph, at ingest: "WASHINGTON (AP) -- ", "LONDON — ",
# "PORT ELLIS, Nov. 3 (Valley Wire) - ". (A sentence's, in a brief, is _DATELINE below.)
_CAPITAL = "A-ZÀ-ÖØ-Þ"  # capital letters, accented ones too (SÃO PAULO, MÜNCHEN, ZÜRICH)
PARAGRAPH_DATELINE = re.compile(
    rf"""^(?![{_CAPITAL}]{{2,3}}[ ]?(?:--|—|–|-|:|_)[ ])       # not "OK:", "UN -", "USA:"
        (?:[{_CAPITAL}]{{2}}[{_CAPITAL}.'’/-]*                  # PLACE: capitals, not "I'M";
           (?:[ ][{_CAPITAL}][{_CAPITAL}.'’/-]*){{0,3}})        #   "LOS ANGELES/NEW YORK"
        (?:,[ ][{_CAPITAL}][\w.]*(?:[ ][{_CAPITAL}\d][\w.]*){{0,2}})?  # , State or date
        (?:,[ ]\d{{1,2}}\.?[ ]\w+\.?)?                         # , 3 mars / , 3. März
        [ ]?(?:\([^()]{{1,40}}\)[ ]?)?                          # (Agency)
        (?:--|—|–|-|:|_)[ ]+""",
    re.VERBOSE,
)


def is_boilerplate(line: str) -> bool:
    """True for comment prompts, share and subscribe widgets and similar non-news lines."""
    line = line.strip()
    if _BOILERPLATE.match(line) or _BOILERPLATE_ANYWHERE.search(line):
        return True
    return len(line.split()) <= _NOT_ARTICLE_LINE_WORDS and not_article(line)


def strip_paragraph_dateline(paragraph: str) -> str:
    """The paragraph without a leading wire dateline such as "WASHINGTON (AP) --"."""
    match = PARAGRAPH_DATELINE.match(paragraph)
    if match and len(paragraph) - match.end() > 20:
        return paragraph[match.end() :]
    return paragraph


# A press release's closing matter: its contacts, its end mark, its legal notes, and its "About
# Acme" paragraphs, the company's standard description ("About Acme Corp" then "Acme is a leading
# provider of ..."). None of it is the news. Contacts and legal notes open with these words:
_RELEASE_MATTER = re.compile(
    r"^(?:(?:media|press|investor|news)(?: relations)?(?: and (?:media|investor|press))?"
    r" (?:contacts?|inquiries|enquiries)\b|###\s*$|-\s*(?:30|end)\s*-\s*$"
    r"|(?:cautionary (?:note|statement) (?:regarding|about|on) )?forward-looking statements?\b"
    r"|safe harbou?r statement\b|pressekontakt\b|(?:medien|presse)kontakte?\s*:"
    r"|contacts? (?:presse|médias?)\b|contactos? (?:de|para) (?:prensa|medios)\b)",
    re.IGNORECASE,
)
# "About Acme Corp", "Über Acme", "À propos de Acme", "Acerca de Acme": a name of capitalized
# words (and "of", "and", "&" between them) after the word, then at most a colon or a dash.
_ABOUT = re.compile(
    r"^(?:about|über|à propos d(?:e |')|acerca de|sobre) "
    r"((?-i:[A-Z][\w&'’.-]*)(?: (?:(?-i:[A-Z0-9&][\w&'’.-]*)|of|and|for|de|du|des|y|und)){0,6})"
    r"\s*(?:[:–—-]\s*|$)",
    re.IGNORECASE,
)
_ABOUT_NAMED_WITHIN = 8  # words: the description names the company this early
# A bare "Contact: Jo Marsh, 555 0100" line is left out, but ends nothing: a newsletter's
# listings go on after one.
_CONTACT_LINE = re.compile(r"^contacts?\s*:", re.IGNORECASE)


def release_matter(paragraphs: list[str]) -> int:
    """Where a press release's closing matter starts among an article's paragraphs (their count
    when it has none): a contact line, an end mark, a legal note, or an "About Acme" paragraph
    whose description names Acme at once. Only in the article's second half: a contact line
    above the release's text is one paragraph to leave out, not the end of the article."""
    total = sum(len(p.split()) for p in paragraphs)
    before = 0
    for index, paragraph in enumerate(paragraphs):
        if before >= total / 2 and index > 0 and _closes_release(paragraphs, index):
            return index
        before += len(paragraph.split())
    return len(paragraphs)


def is_release_contact(paragraph: str) -> bool:
    """True for a contact line, a press release's end mark or legal note (see release_matter)."""
    return bool(_RELEASE_MATTER.match(paragraph) or _CONTACT_LINE.match(paragraph))


def _closes_release(paragraphs: list[str], index: int) -> bool:
    paragraph = paragraphs[index]
    if _RELEASE_MATTER.match(paragraph):
        return True
    about = _ABOUT.match(paragraph)
    if about is None:
        return False
    description = paragraph[about.end() :] or "".join(paragraphs[index + 1 : index + 2])
    first_word = about.group(1).split()[0].casefold()
    opening = description.casefold().split()[:_ABOUT_NAMED_WITHIN]
    return any(word.strip("(),.:;'’\"") == first_word for word in opening)


# In a brief ------------------------------------------------------------------------------

MIN_WORDS = 6  # shorter "sentences" are bylines, captions, fragments or chatter
MAX_WORDS = 100  # longer ones are run-on lists or splitter failures
# Why a text has no sentence a brief may quote, as the log, `explain` and `brief` say it.
NOT_QUOTABLE = (
    f"none is a whole sentence of prose of {MIN_WORDS} to {MAX_WORDS} words: links, labels,"
    " captions and a page's notices or widgets are not, nor text without sentence punctuation"
    " or without spaces between words"
)
# "LONDON (AP) _", "BONN, Germany (AP) --", "NEW YORK _", "LONDON (Reuters) - ": a wire dateline
# left at a sentence start (a single hyphen only after the agency, where it cannot be a name's).
_DATELINE = re.compile(
    r"^[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ.'/\- ]+(?:, [A-ZÀ-ÖØ-Þ][\w.\- ]*)?"  # LOS ANGELES/NEW YORK, State
    r"(?:, \w+\.? \d{1,2}|, \d{1,2}\.? \w+\.?)?\s*"  # , Nov. 3 / , 3 mars
    r"(?:\([A-Za-z .]+\)\s*(?:_|--?|—|–)|(?:_|--|—|–))\s+"
)
_CLOSERS = "\"'”’)]"
_ENDERS = ".!?…"
# Credits, captions and web furniture that readers sometimes leave inside an article's text.
# Each names the furniture itself ("enable JavaScript", "sign up for our newsletter", a credit in
# brackets), not a subject: a report about a browser, a photo agency, a copyright case, a
# newsletter or a site's use of cookies is prose.
_NETWORKS = (
    r"(?:twitter|facebook|linkedin|pinterest|whatsapp|telegram|reddit|tumblr|xing|e-?mail|print"
    r"|drucken|threads|bluesky|mastodon|instagram)"
)
_NOT_PROSE = re.compile(
    r"[(/|]\s*(?:AP|AFP|Reuters|Getty|EPA|file) (?:Photo|Images)\b|"
    r"\b(?:AP|AFP|Reuters|EPA) Photo\s*/|\bGetty Images\s*\)?\s*\.?$|\bfile photo\b|"
    r"(?:^|[(/|]\s*)photo(?:graph)?s? (?:by|credit|courtesy)\b|\(\s*(?:photo|image)s?\s*:|"
    r"^(?:caption|advertisement|read more|see also|continue reading)\b|"
    r"^(?:photo|image|video|related)s?\s*[:|]|"
    r"^related (?:stories|articles|coverage|content|links|posts)\b|"
    r"\bimage copyright\b|^(?:image|photo) (?:caption|credit)\b|\bcopyright\s*(?:©|\(c\)|\d{4})|"
    r"\bclick here\b|\ball rights reserved\b|©|\bmay not be published, broadcast\b|"
    r"^(?:sign up|subscribe)\b|\bsubscribe (?:now|today|here)\b|\bsign up (?:for|to) our\b|"
    r"\bthank you for (?:subscribing|signing up)\b|"
    r"\b(?:sign up|subscribe|register) (?:to|for) (?:our|the|his|her|their|my) (?:free )?"
    r"(?:[\w-]+ )?newsletter\b|"
    r"\bour (?:\w+ )?newsletters?\b|^newsletters?\s*[:|]|"
    r"\benabl(?:e|ing) javascript\b|\bjavascript (?:is disabled|must be enabled|is required to)\b|"
    r"\b(?:we|this (?:web)?site|our (?:web)?site) uses? cookies\b|\b(?:our|the) use of cookies\b|"
    r"\bstores cookies on your\b|\bour cookie policy\b|\bcookie settings\b|"
    r"\b(?:update|upgrade) your (?:web )?browser\b|"
    r"\byour (?:web )?browser (?:does not|doesn't|is not|isn't)\b|"
    r"\bthis video is (?:unavailable|not available)\b|\bmedia playback is (?:unsupported|not)\b|"
    r"^share this (?:article|story)\b|^follow us on\b|\bturn off your ad ?blocker\b|"
    r"\bby continuing to (?:browse|use) (?:the|this|our) (?:web)?site\b|"
    r"^(?:watch|listen|pictured|more on this story)\s*:|\breporting by\b.{0,80}\bediting by\b|"
    r"\bthanks for (?:subscribing|signing up)\b|\bstory continues below\b|"
    r"\busing an ad ?blocker\b|\bdownload our app\b|\byour use of this (?:web)?site\b|"
    r"\bimage (?:source|caption),|\bphotograph:|\balready a subscriber\b|"
    r"\blimit of free articles\b|\b(?:delivered|straight) to your inbox\b|\benter your email\b|"
    r"\buse cookies to (?:personali[sz]e|improve|analy[sz]e|give|provide|ensure)\b|"
    r"^comments (?:(?:on|for) this (?:article|story|post|page) )?(?:are|have been|were) "
    r"(?:now )?(?:closed|disabled|turned off)(?: (?:on|for) this (?:article|story|post|page))?"
    r"\s*[.!]?$|"
    r"^(?:have|got) an? (?:news |story )?(?:tip|story idea)s?\b(?!-)[^?]{0,40}\?|"
    r"\be-?mail (?-i:us) at\b|^contact (?-i:us)(?: at\b|\s*:)|"
    r"\bsend (?-i:us) your (?:news )?tips\b|"
    r"\bthis (?:web)?(?:site|page|form) (?:is protected by|uses) recaptcha\b|"
    r"^our standards\s*:.{0,60}\btrust principles\b|"
    r"^file\s*[-–—]\s|^credits?\s*:|\bcontributed (?:reporting|to this report)\b|"
    r"^click to (?:expand|enlarge|view|see)\b|^download (?:the|our)\b.{0,40}\bapp\b|"
    # a share widget: three networks' names in a row, with no comma or "and" between them
    rf"(?:\b{_NETWORKS}\b[ |/·•]+){{2}}\b{_NETWORKS}\b|"
    r"\bfollow (?:him|her|them|me) on (?:twitter|facebook|linkedin|instagram|mastodon|bluesky"
    r"|threads|x)\b|"
    r"\badvertise with us\b|\bfor advertising (?:inquiries|enquiries|options|opportunities)\b|"
    r"\bcontact\b.{0,40}\b(?:advertising|ad sales) (?:department|team)\b|"
    r"\b(?:shall|will) not be (?:held )?liable for any (?:loss|damages?)\b|"
    r"\b(?:clear|delete) your (?:browser['’]?s? )?(?:cache and )?cookies\b|"
    r"^(?:styling|grooming|casting|hair and make-?up|make-?up|set design|props) by\b|"
    r"^(?:get|see|read|find|watch|download) (?:the|our|all|more)\b.{0,60}\bhere\s*[.!]?$|"
    # a news agency's caption: "In this image released by ...", "In this March 3, 2026, photo, ..."
    # (only dates and the agencies' own words between "In this" and "photo": "In this case,
    # images released by police show ..." is news)
    r"^in this (?:(?:undated|file|handout|aerial|combination|courtesy|(?:jan|feb|mar|apr|may"
    r"|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?|\d{1,4},?) ){0,5}(?:photo|image|picture"
    r"|frame grab)s?(?:,| (?:released|provided|taken|made available|obtained|distributed)\b)|"
    r"\bdon['’]t show (?:me )?(?:again|anymore)\b|"  # a pop-up's button
    # "X is a daily newsletter from Y", all the sentence says
    r"^[^,]{0,60}\bis an? (?:[\w-]+ ){0,2}newsletters? (?:from|by)\b[^,]*$",
    re.IGNORECASE | re.ASCII,  # ASCII: "ſ" must not match "s" where str.lower() keeps it
)
_NOT_PROSE_RULES = Alternatives(_NOT_PROSE)
# Words one of which every _NOT_PROSE match holds: a cheap test first, the regex only then. Those
# of the second tuple matter only at a sentence's start (the alternatives anchored with "^").
_FURNITURE_HINTS = ("photo", "image", "copyright", "©", "click", "rights", "broadcast", "sign up",
                    "subscrib", "signing up", "newsletter", "javascript", "cookie", "browser",
                    "video", "playback", "blocker", "continuing to", "editing by",
                    "continues below", "our app", "use of this", "free articles", "your inbox",
                    "your email", "recaptcha", "mail us", "send us", "contributed", "twitter",
                    "facebook", "linkedin", "pinterest", "whatsapp", "telegram", "reddit",
                    "tumblr", "xing", "mail", "print", "drucken", "threads", "bluesky",
                    "mastodon", "instagram", "advertis", "liable", "cookies", "follow",
                    "picture", "frame grab", "t show")  # fmt: skip
_FURNITURE_OPENERS = ("caption", "advertisement", "read more", "see also", "continue reading",
                      "related", "share this", "follow us", "watch", "listen", "pictured",
                      "more on this story", "comments", "have a", "got a", "contact us",
                      "our standards", "file", "credit", "download", "styling", "grooming",
                      "casting", "hair and", "make", "set design", "props", "get ", "see ",
                      "read ", "find ")  # fmt: skip
_OPENER_CHARS = 20  # the longest opener is 18 characters
# A photo credit standing alone, "(AP Photo/Tom Reyes)": the sentence before it in its paragraph
# is the photo's caption.
_CREDIT_ALONE = re.compile(
    r"^[(\[]\s*[^()\[\]]{0,60}\b(?:photo|image)s?\b[^()\[\]]{0,60}[)\]]\s*\.?$", re.IGNORECASE
)
# Page furniture glued to the front of a real sentence when a page was flattened to text:
# "Advertisement Continue reading the main story The council ...", "Please enable JavaScript to
# watch this video The council ...". Only the furniture goes, and only when a sentence (a capital,
# a digit or a quotation mark) follows it; the sentence stays.
_LEAD_IN = re.compile(
    r"^(?:(?:photo )?advertisement(?: advertisement)*\s*(?:[-–—:]\s*)?"
    r"|continue reading(?: the main story| below)\s*"
    r"|(?:please )?enable javascript to (?:watch|view|play) this video\s*)"
    r"(?=(?-i:[A-Z0-9\"“'‘])|continue reading (?:the main story|below))",
    re.IGNORECASE | re.ASCII,
)

# A sentence opening like this points back at something the reader may not have seen.
_DANGLING_OPENER = re.compile(
    r"^[\"'“‘(]*\s*(?:he|she|it|they|him|her|his|its|their|them|this|that|these|those|such|"
    r"but|and|or|so|also|however|meanwhile|still|yet|then|thus|therefore|moreover|furthermore|"
    r"instead|nevertheless|nonetheless|besides|otherwise|"
    r"in addition|in contrast|as a result|at the same time|on the other hand|even so|after that|"
    r"il(?! y a\b| faut\b| s['’]agit\b)|elle|ils|elles|mais|cependant|pourtant|toutefois|"  # fr
    r"er|aber|doch|jedoch|dennoch|deshalb|daher)\b",  # German ("Sie" is also "you")
    re.IGNORECASE,
)
_PRONOUN_ATTRIBUTION = re.compile(
    r"\b(?:(?:he|she|they) (?:said|says|added|told|explained)|(?:said|says|added) (?:he|she)|"
    r"(?:a|ont)-t?-?(?:il|elle|ils|elles) (?:déclaré|dit|ajouté|expliqué|affirmé|précisé)|"
    r"(?:sagte|erklärte|betonte|fügte) (?:er|sie)\b)",
    re.IGNORECASE,
)
# Every _PRONOUN_ATTRIBUTION match holds one of these: scanning for them first is 20× cheaper.
_ATTRIBUTION_VERBS = ("said", "says", "added", "told", "explained", "-t-", "-ils", "-elles",
                      "sagte", "erklärte", "betonte", "fügte")  # fmt: skip


def strip_dateline(text: str) -> str:
    """A sentence without a wire dateline such as "LONDON (AP) _" at its start."""
    match = _DATELINE.match(text)
    if match and match.end() < len(text) and text[match.end()].isupper():
        return text[match.end() :]
    return text


def strip_lead_in(text: str) -> str:
    """A sentence without what does not belong to it at its start: page furniture such as
    "Advertisement Continue reading the main story", then a wire dateline. What is left is a
    slice of the sentence, so a brief still quotes its source word for word."""
    while text[:1] in "AaCcPp" and (match := _LEAD_IN.match(text)) and match.end() < len(text):
        text = text[match.end() :]  # "Advertisement Continue reading ..." is two lead-ins
    return strip_dateline(text)


def is_whole_prose(text: str, tokens: list[str] | None = None) -> bool:
    """True for a complete prose sentence: not a fragment, caption, credit or cut quotation.

    `tokens` are its whitespace-separated words, when the caller has them already."""
    tokens = text.split() if tokens is None else tokens
    count = len(tokens)
    if not MIN_WORDS <= count <= MAX_WORDS or (text.rstrip(_CLOSERS) or " ")[-1] not in _ENDERS:
        return False
    if (
        text.count('"') % 2
        or text.count("“") != text.count("”")
        or text.count("(") != text.count(")")
    ):
        return False
    if sum(map(str.isupper, tokens)) > 0.5 * count:
        return False  # a shouted headline or a caption in capitals
    lowered = text.lower()
    if not (_RULE_STRINGS.search(lowered) or _OPENER_STRINGS.search(lowered, 0, _OPENER_CHARS)):
        return True  # no furniture or notice rule can match: most sentences
    furniture = any(map(lowered.__contains__, _FURNITURE_HINTS)) or any(
        map(lowered[:_OPENER_CHARS].__contains__, _FURNITURE_OPENERS)
    )
    return not (furniture and _NOT_PROSE_RULES.search(text, lowered)) and not (
        _NOT_ARTICLE_RULES.search(lowered)
    )


def _any_of(strings: Iterable[str]) -> re.Pattern[str]:
    """A pattern that finds any of `strings`: a trie of them, which `re` searches several times
    faster than their alternation, or than each string in turn."""

    def trie(suffixes: set[str]) -> str:
        if "" in suffixes:
            return ""  # the string ending here is found, whatever would follow it
        by_first: dict[str, set[str]] = {}
        for suffix in suffixes:
            by_first.setdefault(suffix[0], set()).add(suffix[1:])
        branches = [re.escape(first) + trie(rest) for first, rest in sorted(by_first.items())]
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return re.compile(trie(set(strings)))


def _notice_strings() -> set[str] | None:
    """Strings one of which every _NOT_ARTICLE match holds; None when a rule of it has none."""
    strings: set[str] = set()
    for rule in _NOT_ARTICLE_RULES.rules:
        required = required_literals(rule)
        if not required:
            return None
        strings |= required[0]
    return strings


# Strings one of which a sentence (lower-cased) holds when a furniture or notice rule may match
# it (anywhere, or for _FURNITURE_OPENERS in its first characters): a sentence without any is
# whole prose once its form is, and most sentences hold none. Matching any string is the test
# when a notice rule requires none.
_NOTICE_STRINGS = _notice_strings()
_RULE_STRINGS = _any_of(
    [*_FURNITURE_HINTS, *_NOTICE_STRINGS] if _NOTICE_STRINGS is not None else [""]
)
_OPENER_STRINGS = _any_of(_FURNITURE_OPENERS)


def is_photo_credit(text: str) -> bool:
    """True for a photo credit standing alone, such as "(AP Photo/Tom Reyes)"."""
    return text[:1] in "([" and bool(_CREDIT_ALONE.match(text))


def dangles(sentence: str) -> bool:
    """True when a sentence opens on a connective or a pronoun it cannot resolve on its own."""
    if _DANGLING_OPENER.match(sentence):
        return True
    attributes = any(map(sentence.lower().__contains__, _ATTRIBUTION_VERBS))
    return attributes and bool(_PRONOUN_ATTRIBUTION.search(sentence))
