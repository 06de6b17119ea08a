"""Queries people type, with the demo posts that must come back in the top 3.

Each entry: (query, [titles of relevant posts]). A query scores recall@3 as the share of its
relevant posts (at most 3 count) found in the first three results.
"""

FORGOT = "I forgot a dose of azathioprine on holiday"
MISSED_IMURAN = "Missed my Imuran two days running — what did your team tell you?"
MISSED_ARTICLE = "Forgot your azathioprine (Imuran)? What to do after a missed dose"
TPMT_ARTICLE = "TPMT and NUDT15 testing before azathioprine: what the results mean"
TPMT_STORY = "What TPMT testing was like before I started azathioprine"
TPMT_RESULT = "TPMT result came back intermediate — what did that mean for your dosing?"
SWITCH_MMF_STORY = "Switching from azathioprine to mycophenolate (CellCept) for my AIH"
SWITCH_MMF_ARTICLE = "Switching from azathioprine to mycophenolate (CellCept): why and what changes"
SWITCH_6MP = "Switching from azathioprine to 6-MP (mercaptopurine) for UC — experiences?"
METABOLITES = (
    "From azathioprine to 6-MP to 6-TGN: how the drug works and what metabolite levels show"
)
TGN_QUESTION = "What do 6-TGN levels actually tell you? Confused by my results"
HAIR = "Hair thinning on azathioprine — anyone else noticed it?"
SIDE_EFFECTS = "Azathioprine side effects: nausea, hair thinning, pancreatitis and infections"
NAUSEA = "Nausea when starting aza, and what helped after I spoke to my IBD nurse"
AIH_ARTICLE = "Autoimmune hepatitis explained: diagnosis, treatment and what remission means"
RELAPSE = "My AIH relapse after stopping treatment"
PRED_TAPER = "Prednisolone side effects while tapering: moon face, sleep and mood"
RA_TAPER = "Tapering pred for RA — how did you cope as the steroids came down?"
SUN_STORY = "Sun protection on azathioprine: my hats, SPF and yearly skin checks"
SUN_ARTICLE = "Sun protection on thiopurines: lowering your skin cancer risk"
BEACH = "Beach holiday on Imuran — how do you handle the sun?"
VACCINES = "Vaccines while taking azathioprine: live vaccines and everything else"
FLU = "Flu jab and live vaccines while on azathioprine and a biologic?"
PREGNANCY_ARTICLE = "Pregnancy and azathioprine: planning ahead with your care team"
PREGNANCY_UC = "Planning a pregnancy while on azathioprine for UC — what should I ask?"
UC_REMISSION = "Two years of UC remission on azathioprine: what my monitoring looks like"
RA_STIFF = "Morning joint stiffness with RA, and getting back into the garden"
GARDEN_CUTS = "Cuts, scratches and avoiding infections while gardening on azathioprine"
LUPUS_FLARE = "Riding out a lupus flare while on azathioprine"
LUPUS_FATIGUE = "Fatigue: telling lupus tiredness apart from medication tiredness"
KIDNEY = "Five years after my kidney transplant: keeping rejection at bay"
WHITE_COUNT = "Is it normal for the white count to dip on aza?"
ALCOHOL = "Alcohol with autoimmune hepatitis — what did your hepatologist say?"
SCHEDULE = "My blood test schedule and watching my ALT go down"
VOMITING = "Vomiting bug and missed doses of azathioprine — how did your team advise you?"
IGG = "IgG vs ALT: which numbers does your hepatologist watch most in AIH?"
CROHNS_COMBO = "Crohn's on azathioprine plus a biologic: my first year of combo therapy"
BIOLOGIC_ARTICLE = "Azathioprine alongside a biologic in Crohn's disease and ulcerative colitis"
SHINGLES = "Shingles and other non-live vaccines on mycophenolate — what were you offered?"
TRAVEL = "Travelling abroad with my transplant medications"
COLDS = "Colds and infections while immunosuppressed — when do you ring the clinic?"
MMF_BLOODS = "First months on MMF: how often were your blood tests?"
CELLCEPT_STOMACH = "Stomach upset on CellCept and what my team changed"

RELEVANCE_SET: list[tuple[str, list[str]]] = [
    ("missed my Imuran", [MISSED_IMURAN, FORGOT, MISSED_ARTICLE]),
    ("forgot dose", [FORGOT, MISSED_ARTICLE]),
    ("skipped a dose of AZA", [FORGOT, MISSED_IMURAN, MISSED_ARTICLE]),
    ("switching from azathioprine", [SWITCH_MMF_STORY, SWITCH_MMF_ARTICLE, SWITCH_6MP]),
    ("Imuran hair loss", [HAIR, SIDE_EFFECTS]),
    ("TPMT", [TPMT_ARTICLE, TPMT_STORY, TPMT_RESULT]),
    ("thiopurine methyltransferase", [TPMT_ARTICLE, TPMT_STORY, TPMT_RESULT]),
    ("AIH relapse after stopping", [RELAPSE]),
    ("6-MP", [SWITCH_6MP, METABOLITES]),
    ("mercaptopurine", [SWITCH_6MP, METABOLITES]),
    ("CellCept stomach", [CELLCEPT_STOMACH]),
    ("MMF blood tests", [MMF_BLOODS]),
    ("autoimmune hepatitis diagnosis", [AIH_ARTICLE]),
    ("steroids tapering", [PRED_TAPER, RA_TAPER]),
    ("prednisone taper", [PRED_TAPER, RA_TAPER]),
    ("sunscreen", [SUN_STORY, SUN_ARTICLE, BEACH]),
    ("skin cancer", [SUN_ARTICLE]),
    ("live vaccines", [VACCINES, FLU]),
    ("pregnancy", [PREGNANCY_ARTICLE, PREGNANCY_UC]),
    ("ulcerative colitis remission", [UC_REMISSION]),
    ("rheumatoid arthritis stiffness", [RA_STIFF]),
    ("lupus flare", [LUPUS_FLARE]),
    ("SLE tiredness", [LUPUS_FATIGUE]),
    ("kidney transplant rejection", [KIDNEY]),
    ("6-TGN levels", [TGN_QUESTION, METABOLITES]),
    ("low white blood cell count", [WHITE_COUNT]),
    ("nausea starting aza", [NAUSEA]),
    ("azathiprine nausea", [NAUSEA, SIDE_EFFECTS]),
    ("hepatitus alcohol", [ALCOHOL]),
    ('"blood test schedule"', [SCHEDULE]),
    ("vomiting doses", [VOMITING]),
    ("IgG ALT", [IGG]),
    ("Crohn's biologic", [CROHNS_COMBO, BIOLOGIC_ARTICLE]),
    ("shingles vaccine mycophenolate", [SHINGLES]),
    ("travelling with medications", [TRAVEL]),
    ("infections immunosuppressed", [COLDS]),
    ("gardening infections", [GARDEN_CUTS]),
]
