"""Demo tags for the community site.

Plain data only. Descriptions are original, illustrative Markdown written for
this demo site; they are not medical advice.
"""

from __future__ import annotations

TAGS: list[dict] = [
    {
        "slug": "azathioprine",
        "name": "Azathioprine",
        "kind": "medication",
        "synonyms": ["Imuran", "Azasan", "AZA", "aza"],
        "description": """\
**Azathioprine** is an immunosuppressant taken by mouth. It belongs to the thiopurine family and works by damping down the activity of the immune cells that drive inflammation. It is used to keep conditions such as autoimmune hepatitis, Crohn's disease and ulcerative colitis in remission, and to help prevent rejection after an organ transplant.

Azathioprine acts slowly: it can take several weeks to a few months to reach its full effect, which is why it is often started alongside a faster-acting steroid. Because it can lower blood counts and occasionally affect the liver or pancreas, people taking it have regular blood tests, and many are tested for TPMT (and sometimes NUDT15) before the first dose.

Anyone taking azathioprine should follow the plan agreed with their own prescriber and tell the care team about fever, unusual bruising, yellowing of the skin or severe abdominal pain.
""",
    },
    {
        "slug": "autoimmune-hepatitis",
        "name": "Autoimmune hepatitis",
        "kind": "condition",
        "synonyms": ["AIH", "autoimmune liver disease", "lupoid hepatitis"],
        "description": """\
**Autoimmune hepatitis (AIH)** is a long-term condition in which the immune system attacks liver cells, causing inflammation that can lead to scarring (fibrosis and cirrhosis) if left untreated. It can affect people of any age and sex, but is diagnosed more often in women.

Diagnosis usually combines raised liver enzymes (ALT and AST), a raised immunoglobulin G (IgG), characteristic autoantibodies such as ANA or anti-smooth muscle antibody, and a liver biopsy, after other causes of liver inflammation have been ruled out.

Treatment typically starts with a steroid (prednisone, prednisolone or budesonide) to bring the inflammation under control, with azathioprine added to keep it in remission. Many people need long-term maintenance treatment, because relapse after stopping is common.
""",
    },
    {
        "slug": "crohns-disease",
        "name": "Crohn's disease",
        "kind": "condition",
        "synonyms": ["Crohn's", "Crohns", "CD", "IBD", "inflammatory bowel disease"],
        "description": """\
**Crohn's disease** is a form of inflammatory bowel disease (IBD) that can affect any part of the digestive tract, most often the end of the small intestine and the colon. It tends to come and go in flares, with symptoms such as abdominal pain, diarrhoea, tiredness and weight loss.

Azathioprine and its relative mercaptopurine (6-MP) are used to maintain remission and to reduce reliance on steroids. They are also sometimes combined with a biologic medicine, partly to lower the chance that the body forms antibodies against the biologic.
""",
    },
    {
        "slug": "ulcerative-colitis",
        "name": "Ulcerative colitis",
        "kind": "condition",
        "synonyms": ["UC", "colitis", "IBD", "inflammatory bowel disease"],
        "description": """\
**Ulcerative colitis (UC)** is a form of inflammatory bowel disease in which the lining of the large bowel (colon and rectum) becomes inflamed and ulcerated. Typical symptoms during a flare include bloody diarrhoea, urgency and abdominal cramps.

Thiopurines such as azathioprine are one of several options for keeping UC in remission, particularly for people who have needed repeated courses of steroids. Decisions about which maintenance treatment fits best are made with an IBD team.
""",
    },
    {
        "slug": "lupus",
        "name": "Lupus",
        "kind": "condition",
        "synonyms": ["SLE", "systemic lupus erythematosus", "lupus nephritis"],
        "description": """\
**Systemic lupus erythematosus (SLE, or lupus)** is an autoimmune disease that can affect the skin, joints, kidneys, blood cells and other organs. It varies widely from person to person and usually follows a pattern of flares and quieter periods.

Azathioprine is one of the steroid-sparing medicines used in lupus, including for maintenance after kidney involvement, and it is among the immunosuppressants often considered compatible with pregnancy planning. Many people with lupus are also photosensitive, so sun protection matters twice over.
""",
    },
    {
        "slug": "rheumatoid-arthritis",
        "name": "Rheumatoid arthritis",
        "kind": "condition",
        "synonyms": ["RA", "inflammatory arthritis"],
        "description": """\
**Rheumatoid arthritis (RA)** is an autoimmune condition that mainly causes painful, swollen and stiff joints, often in the hands and feet, and can also affect the whole body with fatigue.

Azathioprine is an older option for RA that is used less often today than methotrexate or biologic treatments, but it still has a place for some people, for example when other medicines are unsuitable. Monitoring is similar to its use in other conditions.
""",
    },
    {
        "slug": "transplant",
        "name": "Transplant",
        "kind": "condition",
        "synonyms": [
            "kidney transplant",
            "liver transplant",
            "renal transplant",
            "organ transplant",
            "transplant recipient",
        ],
        "description": """\
**Organ transplant** recipients, such as people who have received a kidney or liver, take lifelong anti-rejection (immunosuppressive) medicines so that the immune system does not attack the new organ.

Azathioprine was one of the first anti-rejection drugs. Many centres now prefer mycophenolate, but azathioprine is still used, for example when planning a pregnancy or when other medicines are not tolerated. Transplant recipients have a notably higher risk of skin cancer, so sun protection and regular skin checks are an important part of care.
""",
    },
    {
        "slug": "tpmt-testing",
        "name": "TPMT testing",
        "kind": "topic",
        "synonyms": [
            "TPMT",
            "thiopurine methyltransferase",
            "NUDT15",
            "TPMT genotype",
            "TPMT enzyme test",
        ],
        "description": """\
**TPMT testing** measures the activity of thiopurine methyltransferase, an enzyme that helps break down azathioprine and mercaptopurine, or looks for gene variants that affect it. A related gene, **NUDT15**, is also tested in some places.

People with low or absent enzyme activity are at higher risk of a dangerous drop in blood counts on a standard dose, so the result helps prescribers choose a safer starting dose or a different medicine. A normal result does not replace regular blood monitoring.
""",
    },
    {
        "slug": "missed-doses",
        "name": "Missed doses",
        "kind": "topic",
        "synonyms": ["missed dose", "forgot dose", "forgotten tablet", "skipped dose", "adherence"],
        "description": """\
**Missed doses** happen to almost everyone on long-term medication. This topic covers what people do when they forget a tablet, how to find the instructions that apply to their own medicine, and practical ways to make doses easier to remember.

For azathioprine, the general rule in patient leaflets is not to take a double dose to make up for a forgotten one; the patient leaflet and the prescribing team are the right sources for specific instructions.
""",
    },
    {
        "slug": "switching-medication",
        "name": "Switching medication",
        "kind": "topic",
        "synonyms": [
            "changing medication",
            "stopping azathioprine",
            "second-line treatment",
            "switch",
        ],
        "description": """\
**Switching medication** covers the reasons clinicians change from one treatment to another, such as side effects, an incomplete response, pregnancy plans or interactions, and what people can expect during the change.

Switches should always be planned with the prescribing team, because stopping an immunosuppressant abruptly can lead to a flare or, after a transplant, to rejection.
""",
    },
    {
        "slug": "blood-tests",
        "name": "Blood tests",
        "kind": "topic",
        "synonyms": [
            "blood monitoring",
            "FBC",
            "full blood count",
            "CBC",
            "LFTs",
            "liver function tests",
            "ALT",
            "white cell count",
        ],
        "description": """\
**Blood tests** are a routine part of taking azathioprine. A full blood count checks white cells, red cells and platelets, while liver tests such as ALT look for signs of liver irritation. In autoimmune hepatitis, the same tests, plus IgG, are also used to track how well the disease is controlled.

Tests are usually more frequent in the first weeks after starting or changing a dose, then spaced out to every few months once things are stable. The exact schedule is set by each person's care team.
""",
    },
    {
        "slug": "side-effects",
        "name": "Side effects",
        "kind": "topic",
        "synonyms": ["adverse effects", "nausea", "hair thinning", "pancreatitis", "infections"],
        "description": """\
**Side effects** of azathioprine range from common and manageable, such as nausea in the first weeks, to uncommon but serious, such as pancreatitis, low blood counts, liver problems and an increased risk of infections.

This topic gathers experiences and clinician explanations. Anyone with a fever, sore throat, unexplained bruising or bleeding, yellowing skin or severe abdominal pain while taking azathioprine should contact their care team promptly rather than waiting for a forum reply.
""",
    },
    {
        "slug": "sun-protection",
        "name": "Sun protection",
        "kind": "topic",
        "synonyms": ["sunscreen", "SPF", "skin cancer", "skin checks", "UV protection"],
        "description": """\
**Sun protection** matters for people taking thiopurines, because long-term azathioprine use is linked to a higher risk of non-melanoma skin cancers, especially in people who are also transplant recipients or have fair skin.

Practical measures include broad-spectrum sunscreen, protective clothing, hats, seeking shade in the middle of the day, and checking the skin regularly for new or changing spots, which should be shown to a clinician.
""",
    },
    {
        "slug": "mycophenolate",
        "name": "Mycophenolate",
        "kind": "medication",
        "synonyms": ["mycophenolate mofetil", "MMF", "CellCept", "Myfortic", "mycophenolic acid"],
        "description": """\
**Mycophenolate** (mycophenolate mofetil, MMF, brand name CellCept; or mycophenolic acid, Myfortic) is an immunosuppressant widely used after organ transplant and in lupus. In autoimmune hepatitis it is a common second-line option, particularly for people who cannot tolerate azathioprine.

Mycophenolate can cause miscarriage and birth defects, so it must not be used during pregnancy, and effective contraception and pregnancy planning are essential. Like azathioprine, it needs regular blood monitoring.
""",
    },
    {
        "slug": "mercaptopurine",
        "name": "Mercaptopurine",
        "kind": "medication",
        "synonyms": ["6-MP", "6MP", "Purinethol", "Purixan", "thiopurine", "6-TGN"],
        "description": """\
**Mercaptopurine (6-MP)** is a thiopurine closely related to azathioprine: the body converts azathioprine into 6-MP, which is then processed into the active thioguanine nucleotides (6-TGN). It is prescribed in its own right, especially in inflammatory bowel disease.

Because the two medicines share a pathway, TPMT testing, blood monitoring and the important interaction with allopurinol apply to both. The tablets are not interchangeable milligram for milligram, so any change between them is made by the prescriber.
""",
    },
    {
        "slug": "pregnancy",
        "name": "Pregnancy",
        "kind": "topic",
        "synonyms": [
            "pregnancy planning",
            "fertility",
            "breastfeeding",
            "contraception",
            "conception",
        ],
        "description": """\
**Pregnancy** and family planning raise important questions for people on immunosuppressants. Some medicines, including azathioprine, are generally regarded by specialist guidelines as compatible with pregnancy, while others, such as mycophenolate, must be stopped well before conception.

Keeping the underlying condition quiet is usually one of the most important things for a healthy pregnancy, so plans are best made ahead of time with the specialist team rather than by stopping medicines suddenly.
""",
    },
]
