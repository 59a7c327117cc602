"""The numbers the resolver is tuned by: name lengths, typo thresholds, vote weights and limits.

They trade a wrong place (a complaint sent to the wrong government) against no place (a person
fills it in), and only make sense relative to one another, so they are kept and tuned together.
"""

MAX_WORDS = 5
MIN_BARE_LEN = 4
MIN_BARE_LOCAL_LEN = 5  # bare kecamatan/desa names
FUZZY_SCORE = 90
FUZZY_MIN_LEN = 6
FUZZY_MIN_LEN_BARE = 8
SPELLING_MIN_LEN = 7  # "ngalian" for Ngaliyan; shorter words collide with everyday ones
WIN_FACTOR = 1.5  # the winner's own votes must exceed the runner-up's own votes by this factor

# Vote weights by how explicit a mention is.
W_EXPLICIT_REGENCY = 3.0
W_BARE_REGENCY = 2.0
W_ALIAS = 2.0
W_EXPLICIT_DISTRICT = 2.0
W_EXPLICIT_VILLAGE = 1.5
W_UNIQUE_NAME = 1.5  # a kecamatan/desa name that exists in one regency only
W_CONFIRM_DISTRICT = 1.0
W_CONFIRM_VILLAGE = 0.5
W_PROVINCE = 1.0
W_LEAN = 0.5  # "kel. X" where X is a kelurahan in one regency and a desa in others
W_ADDRESSEE = 1.0  # "pak Ganjar": a tie between Grogol in Jakarta and Grogol in Jawa Tengah
W_REPEAT = 0.5  # each repeat of a name, up to MAX_REPEATS: the place talked about gets named again
MAX_REPEATS = 2
MAX_CONFIRM_CANDIDATES = 40  # "Sukamaju" (65 regencies) confirms nothing
MAX_EXPLICIT_CANDIDATES = 3  # "desa X" votes alone only when few regencies have a desa X
