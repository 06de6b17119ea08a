"""Demo authors and provider posts for the community site.

Plain data only. All people are fictional and all text is original,
illustrative content written for this demo site; it is not medical advice.
"""

from __future__ import annotations

AUTHORS: list[dict] = [
    # --- Providers (verified) -------------------------------------------------
    {
        "username": "dr-okafor",
        "display_name": "Dr. Amara Okafor",
        "role": "provider",
        "credentials": "MD",
        "specialty": "Hepatology",
        "verified": True,
        "bio": (
            "Hepatologist with a particular interest in autoimmune liver disease. "
            "Writes here about **autoimmune hepatitis**, long-term treatment and "
            "the questions patients ask most often in clinic."
        ),
    },
    {
        "username": "nurse-lindqvist",
        "display_name": "Maja Lindqvist",
        "role": "provider",
        "credentials": "RN, MSN",
        "specialty": "Inflammatory bowel disease nursing",
        "verified": True,
        "bio": (
            "IBD nurse specialist who runs a telephone advice line for people with "
            "Crohn's disease and ulcerative colitis. Interested in making blood "
            "monitoring and day-to-day medication routines less of a burden."
        ),
    },
    {
        "username": "dr-haddad",
        "display_name": "Dr. Samir Haddad",
        "role": "provider",
        "credentials": "PharmD",
        "specialty": "Clinical pharmacy (immunosuppressants)",
        "verified": True,
        "bio": (
            "Clinical pharmacist specialising in immunosuppressant medicines, "
            "including thiopurines and mycophenolate. Happy to explain how "
            "medicines work and interact, but always defers to your own prescriber."
        ),
    },
    # --- Patients (pseudonymous) ----------------------------------------------
    {
        "username": "liverlearner",
        "display_name": "Liver Learner",
        "role": "patient",
        "bio": (
            "Diagnosed with autoimmune hepatitis a few years ago and still learning. "
            "Keeps a spreadsheet of every ALT result and is not ashamed of it."
        ),
    },
    {
        "username": "mapleleaf_aih",
        "display_name": "Maple Leaf",
        "role": "patient",
        "bio": (
            "Living with AIH. Took azathioprine for a while, then switched to "
            "mycophenolate with my hepatology team after ongoing nausea. "
            "Happy to share how the change went."
        ),
    },
    {
        "username": "crohns_cyclist",
        "display_name": "Crohn's Cyclist",
        "role": "patient",
        "bio": (
            "Crohn's disease, currently on azathioprine alongside a biologic. "
            "Spends weekends on a bike and weekdays planning toilet stops."
        ),
    },
    {
        "username": "quietriver",
        "display_name": "Quiet River",
        "role": "patient",
        "bio": (
            "Ulcerative colitis for over a decade. Mostly reads, occasionally posts, "
            "always grateful for this community."
        ),
    },
    {
        "username": "lupus_and_tea",
        "display_name": "Lupus & Tea",
        "role": "patient",
        "bio": (
            "Lupus, fatigue and a large collection of teapots. Interested in pacing, "
            "flares and how other people juggle several medicines at once."
        ),
    },
    {
        "username": "kidneygift",
        "display_name": "Kidney Gift",
        "role": "patient",
        "bio": (
            "Kidney transplant recipient, thanks to a very generous donor. "
            "Posts about life after transplant, anti-rejection medicines and "
            "remembering to wear sunscreen."
        ),
    },
    {
        "username": "ra_gardener",
        "display_name": "RA Gardener",
        "role": "patient",
        "bio": (
            "Rheumatoid arthritis and an allotment that refuses to weed itself. "
            "Learning to garden with a wide-brimmed hat, gloves and sun protection."
        ),
    },
    {
        "username": "sunhat_sam",
        "display_name": "Sunhat Sam",
        "role": "patient",
        "bio": (
            "AIH, very fair skin and a healthy respect for the sun. Worries about "
            "skin cancer on azathioprine, so gets regular skin checks and asks "
            "lots of questions."
        ),
    },
    # --- Moderator ------------------------------------------------------------
    {
        "username": "mod-juniper",
        "display_name": "Juniper",
        "role": "moderator",
        "bio": (
            "Volunteer community moderator, not a clinician. Here to keep "
            "discussions kind, on topic and safe; for medical questions, please "
            "talk to your own care team."
        ),
    },
]


PROVIDER_POSTS: list[dict] = [
    {
        "author": "dr-okafor",
        "kind": "article",
        "title": "Autoimmune hepatitis explained: diagnosis, treatment and what remission means",
        "tags": ["autoimmune-hepatitis", "azathioprine", "blood-tests"],
        "days_ago": 380,
        "reviewed": True,
        "body": """\
Autoimmune hepatitis (AIH) is a condition in which the immune system mistakenly attacks the liver. Left untreated, the ongoing inflammation can cause scarring, and over years this can progress to cirrhosis. The good news is that most people respond well to treatment and go on to live full lives. This article walks through how AIH is diagnosed, how it is usually treated, and what we mean by "remission".

## How AIH shows up

There is no single typical story. Some people feel tired for months, with aching joints or a vague discomfort under the right ribs. Others notice jaundice (yellowing of the skin or eyes), dark urine or itching. A surprising number have no symptoms at all, and the condition is found because a routine blood test showed abnormal liver enzymes.

## How the diagnosis is made

AIH is a diagnosis built from several pieces of evidence rather than one test:

- **Liver enzymes.** ALT and AST are released when liver cells are injured. In AIH they are usually raised, sometimes only a little and sometimes very markedly.
- **Immunoglobulin G (IgG).** A raised IgG level is a common feature and is also useful later for tracking disease activity.
- **Autoantibodies.** Antinuclear antibody (ANA) and anti-smooth muscle antibody (SMA) are the most familiar. Others, such as anti-LKM1 or anti-SLA, are found in some people. None of these is specific on its own; they support the diagnosis.
- **Liver biopsy.** A small sample of liver tissue examined under the microscope shows the pattern of inflammation and how much scarring is present. It remains an important part of confirming the diagnosis in most cases.
- **Ruling out other causes.** Viral hepatitis, alcohol, fatty liver disease, medication reactions and inherited conditions such as Wilson disease all need to be considered.

## Treatment: induction and maintenance

Treatment usually happens in two phases.

1. **Inducing remission.** A steroid, most often prednisone or prednisolone, is used to bring the inflammation down quickly. Budesonide is an alternative for some people without cirrhosis, because less of it reaches the rest of the body.
2. **Maintaining remission.** Azathioprine (Imuran, often shortened to AZA) is added, typically once the initial response is under way and after TPMT testing. Because azathioprine works slowly, it takes over gradually while the steroid dose is tapered down, ideally to a low dose or to none at all.

Your hepatology team will decide on doses and timing; these vary from person to person and are adjusted based on blood results and side effects.

## What "remission" means

In AIH, **biochemical remission** means that ALT, AST and IgG have returned to normal. This matters because even mildly raised enzymes can mean that inflammation is still ticking over. Some teams also look for **histological remission**, meaning a repeat biopsy shows little or no active inflammation.

Remission is not the same as cure. It means the disease is controlled while treatment continues.

## Stopping treatment and relapse

People often ask whether they can eventually stop azathioprine. For some, after a long period of stable remission, a carefully supervised withdrawal may be discussed. However, relapse after stopping is common, and many people do need to restart treatment. For that reason many patients stay on long-term maintenance, and any attempt to stop should only happen with close monitoring planned by the specialist team. Never stop treatment on your own.

For plain-language information about azathioprine itself, see MedlinePlus: https://medlineplus.gov/druginfo/meds/a682167.html

*Illustrative content written for this demo site; not medical advice.*
""",
    },
    {
        "author": "dr-haddad",
        "kind": "article",
        "title": "TPMT and NUDT15 testing before azathioprine: what the results mean",
        "tags": ["tpmt-testing", "azathioprine", "mercaptopurine", "blood-tests"],
        "days_ago": 350,
        "reviewed": True,
        "body": """\
Before starting azathioprine (Imuran) or mercaptopurine (6-MP), many people are asked for a blood test that checks their **TPMT**. Some are also tested for **NUDT15**. Here is what these tests are, why they matter, and what they cannot tell you.

## What TPMT does

Thiopurine methyltransferase (TPMT) is an enzyme that helps the body break down thiopurine medicines. Azathioprine is converted into 6-MP, which then follows several routes. One route leads to the active compounds, the thioguanine nucleotides (6-TGN), which do the immunosuppressive work. TPMT sends part of the drug down a different route, away from 6-TGN.

If TPMT activity is low, more of the drug ends up as 6-TGN. In the bone marrow, too much 6-TGN can suppress the production of white cells, red cells and platelets. That can lead to serious infections or bleeding.

## How common is low activity?

Most people have normal TPMT activity. A minority, roughly one in ten in many populations, have intermediate activity, and a small number, around one in a few hundred, have very low or absent activity. The exact figures differ between populations.

## Where NUDT15 fits in

NUDT15 is another enzyme involved in handling thiopurine metabolites. Variants that reduce its activity are considerably more common in people of East Asian and some Hispanic or Latino ancestries, and they can cause the same problem of low blood counts even when TPMT is normal. For this reason, some laboratories now test both genes together.

## Two kinds of test

- **Enzyme activity (phenotype)** measures how active TPMT is in red blood cells. A recent blood transfusion can make this result misleading, because the donated cells carry their own enzyme. Tell the team if you have had a transfusion in the past few months.
- **Genetic testing (genotype)** looks for known variants in the TPMT or NUDT15 genes. It is not affected by transfusion, but it may miss rarer variants.

## What happens with the result

Results are usually reported as normal, intermediate or low/absent activity. International pharmacogenetic guidelines suggest that:

- people with **normal** activity can usually start at a standard dose for their condition;
- people with **intermediate** activity may be started on a reduced dose;
- people with **very low or absent** activity are usually offered a different medicine, or, if a thiopurine is really needed, a drastically reduced dose under close specialist supervision.

The exact choice is made by your prescriber, who weighs the result alongside your condition, weight, kidney and liver function and other medicines. Please do not adjust your own dose based on a test report.

## A normal result is not a free pass

A normal TPMT or NUDT15 result lowers the chance of a severe reaction but does not eliminate it. Low blood counts can still happen for other reasons, including infections and interactions with medicines such as allopurinol. That is why regular full blood counts remain essential for everyone on azathioprine, whatever their TPMT result.

You can read more about the genetics at https://medlineplus.gov/genetics/condition/thiopurine-s-methyltransferase-deficiency/

*Illustrative content written for this demo site; not medical advice.*
""",
    },
    {
        "author": "dr-haddad",
        "kind": "article",
        "title": "Forgot your azathioprine (Imuran)? What to do after a missed dose",
        "tags": ["missed-doses", "azathioprine"],
        "days_ago": 30,
        "reviewed": True,
        "body": """\
Every pharmacist hears this question regularly: "I forgot my azathioprine yesterday. What should I do?" First, you are in good company. Long-term medicines are hard to take perfectly, and a single missed dose is very common. Here is a calm, general approach.

## Step one: check your own instructions

The most reliable guidance is the one written for your medicine and your situation:

- the **patient information leaflet** in your Imuran or generic azathioprine box;
- any written plan from your prescriber or specialist nurse;
- your pharmacist, who can look at exactly what you take.

Instructions can differ slightly between leaflets and countries, and your team may have given you specific advice, for example if you take your dose in two parts or take other interacting medicines.

## The general principles

Most leaflets for azathioprine say something along these lines:

- If you forgot a dose and remember fairly soon, take it when you remember.
- If it is nearly time for your next dose, skip the missed dose and carry on as normal.
- **Do not take a double dose** to make up for the one you forgot.

The reason for not doubling up is that a larger dose all at once does not "catch up" in any useful way, but it may increase side effects such as nausea. Azathioprine works slowly and steadily, so one missed dose is unlikely to change how well it controls your condition.

## When to contact your care team

Call your prescriber, specialist nurse or pharmacist if:

- you have missed **several doses in a row**, or you are not sure how many you have missed;
- you have stopped taking it because of side effects;
- you are unwell, for example with vomiting that means you cannot keep tablets down;
- you had a transplant and are unsure about any anti-rejection medicine (transplant teams usually want to hear about missed doses promptly);
- you accidentally took **too much**. In that case, seek advice straight away.

If you have stopped for a while, do not simply restart at your usual dose without checking first. Your team may want a blood test.

## Making it easier to remember

- Link your dose to a daily habit, such as breakfast or brushing your teeth.
- Use a weekly pill organiser so you can see at a glance whether today's dose is gone.
- Set a phone alarm, or use a medication reminder app.
- Keep a few days' supply in your travel bag, and order repeats before you run low.
- If you regularly forget, tell your team. That is useful information, not a confession.

For general drug information, see MedlinePlus: https://medlineplus.gov/druginfo/meds/a682167.html

*Illustrative content written for this demo site; not medical advice.*
""",
    },
    {
        "author": "nurse-lindqvist",
        "kind": "article",
        "title": "Blood tests on azathioprine: how often, what is checked, and when to call",
        "tags": ["blood-tests", "azathioprine", "side-effects"],
        "days_ago": 300,
        "reviewed": True,
        "body": """\
On our advice line, questions about blood tests come up almost every day. "Why do I need so many?" "Is this result bad?" "Can I skip this month?" Here is an overview of how monitoring on azathioprine usually works.

## Why monitoring matters

Azathioprine can occasionally lower blood counts or irritate the liver. These problems usually cause no symptoms at first, so the blood test is how we catch them early, often before they become serious. Regular testing is what makes azathioprine a safe medicine to take for years.

## What is checked

- **Full blood count (FBC, or CBC).** White blood cells (especially neutrophils and lymphocytes), haemoglobin and platelets. It is common for red cells to become slightly larger (a raised MCV) on azathioprine; this is usually expected and not a concern on its own.
- **Liver tests.** ALT, AST, alkaline phosphatase and bilirubin. In autoimmune hepatitis, ALT and IgG are also used to track the disease itself.
- **Kidney function.** Often checked too, since it affects how medicines are handled.
- Sometimes **thiopurine metabolite levels** (6-TGN and 6-MMP), if your team wants to fine-tune treatment.

## A typical schedule

Schedules vary between clinics, countries and conditions, so always follow the one your team gives you. A common pattern is:

1. **At the start:** tests every week or two for the first couple of months.
2. **After a dose change:** a short run of more frequent tests again.
3. **Once stable:** every few months, often around every three months, for as long as you take it.

Some people need closer monitoring, for example those with intermediate TPMT activity, those also taking other medicines that affect the bone marrow, or those with liver or kidney disease.

## Results that usually prompt a call from us

Your team sets its own thresholds, but we would normally contact you if we saw:

- a low white cell count or low neutrophils;
- low platelets;
- a falling haemoglobin;
- liver enzymes rising noticeably above your usual level.

Often the response is simply to repeat the test, reduce the dose or pause briefly. Please do not change anything yourself unless the team has asked you to.

## Symptoms that should not wait for your next test

Contact your care team promptly, or seek urgent care out of hours, if you have:

- fever, chills, a sore throat or mouth ulcers;
- unexplained bruising or bleeding, including nosebleeds or bleeding gums;
- yellowing of the skin or eyes, or very dark urine;
- severe abdominal pain, especially if it spreads to your back, with nausea or vomiting.

## Tips for staying on track

- Keep your own record of results, or ask for access to a patient portal.
- Book the next test before leaving the lab.
- If a test is overdue, tell your team rather than waiting; some pharmacies will not dispense more tablets without up-to-date monitoring.

*Illustrative content written for this demo site; not medical advice.*
""",
    },
    {
        "author": "dr-okafor",
        "kind": "article",
        "title": "Sun protection on thiopurines: lowering your skin cancer risk",
        "tags": ["sun-protection", "azathioprine", "side-effects", "transplant"],
        "days_ago": 120,
        "reviewed": True,
        "body": """\
Many of my patients with autoimmune hepatitis take azathioprine for years. One long-term effect that deserves attention is skin cancer. This is not a reason to panic or to stop treatment, but it is a good reason to build some simple habits.

## What is the risk?

Long-term use of thiopurines (azathioprine and 6-MP) is associated with a higher risk of **non-melanoma skin cancers**, particularly squamous cell carcinoma and basal cell carcinoma. The increase is greatest in people who:

- have had an organ transplant and take several immunosuppressants;
- have fair skin, freckle easily or burn rather than tan;
- have had a lot of sun exposure, or sunburn in the past;
- are older, or have already had a skin cancer.

Part of the reason is that the immune system normally helps clear damaged skin cells. There is also evidence that azathioprine makes skin more sensitive to UVA light, the part of sunlight that passes through clouds and window glass.

Most of these cancers are very treatable when found early. Prevention and early detection are what make the difference.

## Everyday protection

- **Use a broad-spectrum sunscreen** (protecting against both UVA and UVB) with a high SPF, such as SPF 30 or higher. Apply generously and reapply every couple of hours outdoors and after swimming or sweating.
- **Cover up.** A wide-brimmed hat, sunglasses, and long sleeves in lightweight fabric work well, and do not wear off like sunscreen.
- **Seek shade**, especially around the middle of the day when UV is strongest.
- **Check the UV index** in your weather app, and take extra care on holiday, at altitude and near water or snow.
- **Avoid sunbeds** completely.
- Remember UV exposure happens on cloudy days, while gardening, and when driving.

## Check your skin

Once a month, look over your skin, including your scalp, ears, lips, backs of hands and feet. A partner or a mirror helps. Show a clinician promptly if you notice:

- a new spot, lump or scaly patch that does not go away after a few weeks;
- a sore that bleeds or will not heal;
- a mole that changes in size, shape or colour.

Many transplant and hepatology clinics recommend regular skin checks by a dermatologist or trained clinician, often once a year. Ask your team whether that applies to you.

## What about vitamin D?

Careful sun protection can lower vitamin D levels. If this concerns you, ask your team whether a blood test or supplement is appropriate, rather than relying on sun exposure.

More on skin cancer in general: https://medlineplus.gov/skincancer.html

*Illustrative content written for this demo site; not medical advice.*
""",
    },
    {
        "author": "dr-okafor",
        "kind": "article",
        "title": "Switching from azathioprine to mycophenolate (CellCept): why and what changes",
        "tags": [
            "switching-medication",
            "mycophenolate",
            "azathioprine",
            "autoimmune-hepatitis",
            "pregnancy",
        ],
        "days_ago": 200,
        "reviewed": True,
        "body": """\
Azathioprine remains the usual maintenance medicine in autoimmune hepatitis, but it does not suit everyone. Mycophenolate mofetil (MMF, brand name CellCept) is one of the most common alternatives. Here is why a switch might be suggested and what tends to change.

## Why clinicians switch

The most common reasons are:

- **Intolerance.** Persistent nausea or vomiting, a flu-like reaction, pancreatitis, or abnormal liver tests caused by the drug itself.
- **Low blood counts** that do not settle with dose changes.
- **Incomplete response**, where ALT and IgG do not fully normalise despite adequate treatment. In this situation the specialist may also review the diagnosis, adherence and metabolite levels before deciding.
- **Very low TPMT activity**, which can make azathioprine unsuitable from the outset.

Evidence suggests mycophenolate tends to work better in people who switch because of side effects than in those whose disease did not respond to azathioprine. Other options exist for more difficult cases, and your team will talk you through them.

## What changes day to day

- **Dosing.** Mycophenolate is usually taken twice a day, whereas azathioprine is often once daily. Your team will explain how to stop one and start the other, and whether there is any overlap.
- **Side effects.** Gastrointestinal symptoms such as diarrhoea, abdominal discomfort or nausea are the most common. Like azathioprine, it increases the risk of infections and can lower blood counts.
- **Monitoring.** You will need regular blood tests again, more frequent at first.
- **Interactions.** Some antacids, iron supplements and other medicines can affect how mycophenolate is absorbed. Let your pharmacist check everything you take.
- **Sun protection.** Skin cancer precautions still apply.

## Pregnancy: the most important difference

Mycophenolate can cause miscarriage and serious birth defects. This is one of the biggest practical differences from azathioprine, which is generally regarded as compatible with pregnancy in specialist guidance.

If you could become pregnant:

- you will usually need a pregnancy test before starting;
- effective contraception is required during treatment and for a period after stopping, as set out by your team and the product information;
- if you are planning a pregnancy, discuss it well in advance, because mycophenolate needs to be stopped and replaced by a pregnancy-compatible medicine ahead of conception.

Men taking mycophenolate are also given contraception advice in many countries, so ask your team what applies to you.

If you become pregnant unexpectedly while taking mycophenolate, contact your team straight away; do not simply stop the medicine without advice.

## A note on expectations

Switching is a normal part of finding the right treatment, not a failure. Give the new medicine time, keep up with blood tests, and report side effects early so they can be managed.

*Illustrative content written for this demo site; not medical advice.*
""",
    },
    {
        "author": "nurse-lindqvist",
        "kind": "article",
        "title": "Azathioprine side effects: nausea, hair thinning, pancreatitis and infections",
        "tags": ["side-effects", "azathioprine", "crohns-disease", "ulcerative-colitis"],
        "days_ago": 260,
        "reviewed": True,
        "body": """\
When people start azathioprine, the list in the leaflet can look alarming. In practice most people take it without major problems, but it helps to know which side effects are common and manageable, and which need a prompt call.

## Nausea and stomach upset

Nausea is one of the most common complaints, usually in the first few weeks. Things that often help, after checking with your team, include:

- taking the tablet with or after food;
- taking it in the evening;
- asking whether splitting the daily dose is an option for you.

If nausea is severe, or you are vomiting, contact your team. Sometimes a dose change, or a switch to mercaptopurine (6-MP) or another medicine, is the answer.

## Flu-like or hypersensitivity reaction

A small number of people develop fever, aches, rash or feel generally unwell within the first few weeks. This can be an allergic-type reaction to azathioprine and should be reported promptly.

## Hair thinning

Some people notice their hair becoming thinner. It is usually mild and often settles, but it can be upsetting. Let your team know; they may check iron, thyroid and other causes too, because flares and steroids can also affect hair.

## Pancreatitis

Inflammation of the pancreas is uncommon but important, and it typically occurs in the first weeks of treatment. It seems to happen more often in people with inflammatory bowel disease. Warning signs are:

- severe pain in the upper abdomen, often spreading to the back;
- nausea and vomiting;
- feeling very unwell.

This needs urgent medical assessment. If pancreatitis is confirmed to be caused by azathioprine, the medicine is usually not restarted.

## Infections

Because azathioprine dampens the immune system, infections can be more frequent or more severe. Practical points:

- Report fever, chills, a persistent cough, painful urination or a sore throat early.
- Shingles and cold sores may be more troublesome; contact your GP or team promptly if they appear, as early treatment helps.
- Keep up to date with recommended non-live vaccines, and check with your team before any live vaccine.
- If you are exposed to chickenpox or measles and are not immune, let your team know quickly.

## Effects on the blood and liver

Low blood counts and liver irritation are the reasons for regular blood tests. They usually show up on results before causing symptoms, but unexplained bruising, bleeding, or yellowing of the skin should be reported straight away.

## Longer-term risks

Over years, thiopurines are linked to a higher risk of skin cancer and a small increase in the risk of lymphoma. For most people the benefits of controlling their disease outweigh these risks, but it is a conversation worth having with your specialist, and sun protection is a simple step everyone can take.

## In short

Most side effects are manageable if reported early. Please do not stop azathioprine suddenly on your own; call your team and make a plan together.

*Illustrative content written for this demo site; not medical advice.*
""",
    },
    {
        "author": "dr-haddad",
        "kind": "article",
        "title": "Vaccines while taking azathioprine: live vaccines and everything else",
        "tags": ["azathioprine", "side-effects", "transplant", "lupus", "rheumatoid-arthritis"],
        "days_ago": 90,
        "reviewed": False,
        "body": """\
Vaccines are one of the best tools people on immunosuppressants have for reducing infections. The key distinction is between **live** and **non-live** vaccines.

## Non-live vaccines: generally encouraged

Non-live (inactivated, subunit, recombinant or mRNA) vaccines cannot cause the infection they protect against, so they are generally considered safe for people taking azathioprine. Examples include:

- the injected seasonal flu vaccine;
- pneumococcal vaccines;
- COVID-19 vaccines;
- the recombinant (non-live) shingles vaccine;
- hepatitis A and B, tetanus and HPV vaccines.

The immune response may be somewhat weaker than in someone not on treatment, which is one reason people on immunosuppressants are often offered extra or booster doses. A weaker response is still usually worthwhile.

## Live vaccines: check first

Live vaccines contain weakened forms of the germ. In someone whose immune system is suppressed, there is a theoretical and sometimes real risk of the vaccine itself causing illness. Live vaccines include:

- measles, mumps and rubella (MMR);
- yellow fever;
- the live chickenpox (varicella) vaccine and the older live shingles vaccine;
- oral typhoid;
- BCG;
- the nasal spray flu vaccine.

Whether a live vaccine can be given depends on the dose of azathioprine, other medicines such as steroids or biologics, and national guidance. In many cases the advice is to avoid live vaccines while on treatment, or to give them before starting or after a gap agreed with your specialist. This is a decision for your care team, not something to sort out at a travel clinic on the day.

## Planning ahead

- **Before starting azathioprine**, ask whether any vaccinations should be brought up to date, including checking immunity to chickenpox, measles and hepatitis B.
- **Before travel**, especially to areas where yellow fever vaccination is required, talk to your specialist early. Sometimes an exemption letter is needed.
- **Keep a record** of your vaccinations and share it with your team.

## Household members

Family members can usually receive most vaccines, including many live ones, and doing so can help protect you. There are a few specific precautions, for example careful hand hygiene after nappy changes for babies who have had the oral rotavirus vaccine. Ask your team or pharmacist if someone in your home is due a live vaccine.

## Your questions

If you are unsure whether a vaccine is live, ask the person giving it and tell them you take azathioprine. Pharmacists are happy to check.

*Illustrative content written for this demo site; not medical advice.*
""",
    },
    {
        "author": "nurse-lindqvist",
        "kind": "article",
        "title": "Pregnancy and azathioprine: planning ahead with your care team",
        "tags": [
            "pregnancy",
            "azathioprine",
            "crohns-disease",
            "lupus",
            "autoimmune-hepatitis",
            "transplant",
        ],
        "days_ago": 150,
        "reviewed": True,
        "body": """\
"Can I have a baby while taking azathioprine?" is one of the most important questions we are asked, and one of the most reassuring to answer. Here is an overview to help you prepare for a conversation with your own team.

## The big picture

Specialist guidance in inflammatory bowel disease, autoimmune hepatitis, lupus and transplantation generally regards azathioprine as **compatible with pregnancy** for most people. Large studies have not shown a clear increase in birth defects. Decisions are always individual, though, and should be made with your specialist.

Just as importantly, **active disease during pregnancy carries its own risks**, including miscarriage, preterm birth and low birth weight. For many people, staying well controlled on azathioprine is safer for both parent and baby than stopping it and risking a flare. This is why we ask people not to stop azathioprine suddenly when they find out they are pregnant, but to contact their team.

## Planning before conception

If you are thinking about pregnancy, ideally talk to your team several months ahead. They may:

- aim for your condition to be in stable remission before you try to conceive;
- review all your medicines, because some (such as mycophenolate and methotrexate) must be stopped well before conception and replaced;
- recommend folic acid and check other vitamins;
- arrange extra blood tests, since blood counts and liver tests may change during pregnancy;
- coordinate care between your specialist, obstetric team and GP.

## During pregnancy

Most people continue their usual monitoring, sometimes more frequently. Your team may occasionally adjust the dose. Keep up with recommended non-live vaccines such as the flu and whooping cough vaccines.

## After the birth

- **Breastfeeding.** Only very small amounts of azathioprine metabolites pass into breast milk, and most guidelines consider breastfeeding compatible with azathioprine. Discuss it with your team.
- **Baby's vaccines.** Babies exposed to azathioprine alone in the womb can usually follow the normal schedule, but exposure to some biologic medicines can affect timing of live vaccines such as rotavirus. Tell the baby's doctor what you took during pregnancy.
- Postpartum flares can happen, so keep your follow-up appointments.

## What about partners taking azathioprine?

Current evidence does not suggest that azathioprine taken by a father harms fertility or the baby. Men planning a family should still mention it to their specialist, particularly if they take other medicines too.

## Key messages

1. Plan ahead when possible.
2. Do not stop azathioprine suddenly if you find out you are pregnant; call your team.
3. Well-controlled disease is one of the best foundations for a healthy pregnancy.

*Illustrative content written for this demo site; not medical advice.*
""",
    },
    {
        "author": "dr-haddad",
        "kind": "article",
        "title": "From azathioprine to 6-MP to 6-TGN: how the drug works and what metabolite levels show",
        "tags": ["mercaptopurine", "azathioprine", "blood-tests", "tpmt-testing", "crohns-disease"],
        "days_ago": 230,
        "reviewed": False,
        "body": """\
Azathioprine is what pharmacists call a **prodrug**: it is not very active itself, but the body converts it into something that is. Understanding that pathway helps explain TPMT testing, metabolite tests and one very important drug interaction.

## The pathway in brief

1. **Azathioprine to 6-MP.** Soon after absorption, azathioprine is converted, largely without the need for a specific enzyme, into **6-mercaptopurine (6-MP)**. This is why azathioprine and mercaptopurine are so closely related.
2. **6-MP down three routes.**
   - Xanthine oxidase turns some 6-MP into an inactive substance that is excreted.
   - **TPMT** turns some into methylated metabolites, mainly **6-MMP**.
   - A third route leads to the **thioguanine nucleotides (6-TGN)**, the main active metabolites.
3. **6-TGN at work.** 6-TGN interferes with the way rapidly dividing immune cells, especially lymphocytes, make DNA, and it encourages activated T cells to die off. The result is a calmer immune response, which develops gradually over weeks to months.

## Why this matters

- **Slow onset.** Because 6-TGN builds up slowly inside cells, azathioprine is not a quick fix. Steroids are often used at first to bridge the gap.
- **TPMT and NUDT15.** If these enzymes are less active, more drug flows towards 6-TGN, which raises the risk of bone marrow suppression. This is why testing is done before starting.
- **Azathioprine vs 6-MP doses.** Azathioprine and mercaptopurine tablets are not interchangeable milligram for milligram. A prescriber will calculate any change between them.

## Metabolite tests: 6-TGN and 6-MMP

Some clinics measure thiopurine metabolites in red blood cells. These tests can help answer questions such as:

- Is the person actually taking the medicine? (Very low levels of both metabolites can suggest this, or poor absorption.)
- Is the dose too low? (Low 6-TGN with ongoing disease activity.)
- Is the drug being diverted? Some people, sometimes called "shunters", make a lot of 6-MMP and relatively little 6-TGN. High 6-MMP is associated with liver irritation.
- Is 6-TGN high, which may explain low blood counts?

Laboratories publish their own reference ranges, and interpretation is done by the specialist team alongside blood counts, liver tests and symptoms.

## The allopurinol interaction

Allopurinol and febuxostat, used for gout, block xanthine oxidase. With that route closed, 6-MP and 6-TGN levels can rise sharply, causing dangerous bone marrow suppression. **These medicines should not be combined with azathioprine or 6-MP unless a specialist has deliberately planned it** and greatly reduced the thiopurine dose. In some specialist IBD clinics, a low-dose thiopurine with allopurinol is used on purpose for "shunters", but only with close monitoring.

Always make sure every prescriber and pharmacist knows you take azathioprine, including for short courses of medicine.

*Illustrative content written for this demo site; not medical advice.*
""",
    },
    {
        "author": "nurse-lindqvist",
        "kind": "article",
        "title": "Azathioprine alongside a biologic in Crohn's disease and ulcerative colitis",
        "tags": ["crohns-disease", "ulcerative-colitis", "azathioprine", "side-effects"],
        "days_ago": 60,
        "reviewed": True,
        "body": """\
Many people with inflammatory bowel disease take azathioprine together with a biologic medicine, such as an anti-TNF infusion or injection. This is often called **combination therapy**. Here is why it is used and what to keep in mind.

## Why combine them?

- **Better control for some people.** In studies of people with Crohn's disease starting an anti-TNF drug, adding a thiopurine improved the chances of remission compared with either medicine alone.
- **Fewer antibodies to the biologic.** The immune system can learn to recognise a biologic and make antibodies against it, making it less effective or causing infusion reactions. Azathioprine helps reduce this.
- **Higher biologic levels.** Combination therapy is associated with higher drug levels in the blood for some biologics.

Not everyone needs combination therapy. It depends on the biologic used, the severity of disease and individual risk factors.

## The trade-offs

Two immunosuppressants together mean:

- a **higher risk of infections** than either alone;
- a small increase in the risk of **lymphoma**. A very rare but serious lymphoma type has been linked particularly with combination therapy in young men, which is one reason teams review combination therapy carefully in that group;
- the usual thiopurine precautions: **blood tests, sun protection** and checking before live vaccines.

Because of this, many teams review combination therapy after a period of stable remission. Sometimes one medicine is stopped or reduced; sometimes the combination continues. This is a shared decision, made with up-to-date blood results and often drug levels.

## Practical tips

- Keep your azathioprine blood tests going even if you have regular infusions; they check different things.
- If you develop a fever or infection, tell the infusion unit before your next dose. They may postpone it.
- Keep a list of your medicines and doses with you, particularly when seeing doctors who do not know your history.
- Report new skin spots, night sweats, unexplained weight loss or swollen glands.

## A word on stopping

Please do not stop either medicine on your own, even if you feel well. Stopping azathioprine can sometimes lead to antibodies forming against the biologic. Talk to your IBD team about the plan that suits you.

*Illustrative content written for this demo site; not medical advice.*
""",
    },
    {
        "author": "dr-haddad",
        "kind": "article",
        "title": "One medicine, many conditions: azathioprine in lupus, rheumatoid arthritis and transplant",
        "tags": [
            "azathioprine",
            "lupus",
            "rheumatoid-arthritis",
            "transplant",
            "autoimmune-hepatitis",
        ],
        "days_ago": 330,
        "reviewed": True,
        "body": """\
People on this site sometimes notice that someone with lupus, someone with a kidney transplant and someone with AIH all take the same tablet. How can one medicine help such different conditions? The short answer is that they all involve an immune system that needs to be calmed down.

## The common thread

Azathioprine reduces the multiplication of lymphocytes, the immune cells that drive most autoimmune inflammation and organ rejection. It is not targeted at one disease; it lowers the overall "volume" of this part of the immune response. That is both its strength and the reason for its side effects.

## Autoimmune hepatitis

In AIH, azathioprine is the usual long-term maintenance medicine after steroids, such as prednisolone or budesonide, have brought liver inflammation under control. Success is measured with ALT, AST and IgG.

## Lupus

In systemic lupus erythematosus, azathioprine is used as a steroid-sparing medicine, helping people reduce their prednisolone dose. It is also used for maintenance after kidney involvement (lupus nephritis) in some people, and it is one of the options considered when planning a pregnancy. People with lupus should also be aware that their condition itself can cause low blood counts, which makes monitoring particularly important.

## Rheumatoid arthritis

Azathioprine was more widely used in RA in the past. Today methotrexate and biologic or targeted medicines are usually preferred, but azathioprine may still be chosen when others are unsuitable, for example because of lung or liver problems or other medical factors.

## Transplant

After kidney or liver transplantation, azathioprine was one of the original anti-rejection medicines. Many centres now use mycophenolate instead, often with tacrolimus and sometimes steroids. Azathioprine is still used in some cases, such as when mycophenolate is not tolerated or before a planned pregnancy. Transplant recipients face a notably higher skin cancer risk, so sun protection and skin checks are especially important.

## What stays the same across conditions

Whatever the reason for taking it:

- TPMT (and sometimes NUDT15) testing is usually done before starting;
- regular full blood counts and liver tests continue throughout;
- allopurinol and febuxostat interact dangerously unless deliberately managed by a specialist;
- live vaccines need to be checked with the team first;
- sun protection is sensible for everyone.

## What differs

Doses, combinations with other medicines, how long treatment lasts and what counts as success all vary by condition. That is why advice from someone with a different diagnosis, however well meant, may not apply to you. Your own specialist team knows your situation best.

*Illustrative content written for this demo site; not medical advice.*
""",
    },
    {
        "author": "nurse-lindqvist",
        "kind": "experience",
        "title": "What years of IBD advice-line calls have taught me about azathioprine",
        "tags": [
            "side-effects",
            "blood-tests",
            "missed-doses",
            "crohns-disease",
            "ulcerative-colitis",
        ],
        "days_ago": 15,
        "reviewed": False,
        "body": """\
I have answered our IBD advice line for many years now. The calls blur together after a while, but some patterns stand out. I want to share a few, with details changed so nobody could be recognised, because they might be useful to people here.

## People apologise too much

A surprising number of callers start with "Sorry to bother you". Please do not apologise. A call about a fever or an odd blood result is exactly what the line is for. The calls that worry me are the ones that did not happen: someone who had a high temperature for three days and did not want to be a nuisance.

## "I forgot" is normal

Many people ring because they forgot a dose, or realise they have been taking it irregularly for weeks. There is no telling-off. It is much more useful for us to know what is really happening than to make decisions based on what we assume. Several of those conversations ended with a simpler routine, such as moving the dose to a time that fits someone's day.

## Nausea often gets better, but not always

In the first weeks, a lot of calls are about nausea. For many people it eases with time and simple changes agreed with the team, like taking the dose with food. For some it does not, and that is fine too. There are alternatives, including switching to mercaptopurine (6-MP) or another class of medicine. Nobody should feel they have to put up with feeling sick for months.

## Blood tests are a conversation, not a verdict

People sometimes see a result flagged in their patient portal and assume the worst. Often a slightly low value, or a raised MCV, is expected on azathioprine or is simply a one-off. Sometimes it does need action. Either way, the right next step is to talk to us rather than search for the number online at midnight.

## Severe tummy pain gets a different answer

If someone describes severe upper abdominal pain spreading to the back, particularly early after starting azathioprine, we direct them to urgent assessment. Pancreatitis is uncommon, but it is one of the situations where we do not wait.

## What I wish everyone knew

- Keep a list of your medicines in your wallet or phone.
- Know how to reach your team out of hours.
- Do not stop azathioprine suddenly without talking to someone.
- You are allowed to ask questions, as many as you need.

Thank you to everyone who has called, and to everyone here who supports each other.

*Illustrative content written for this demo site; not medical advice.*
""",
    },
    {
        "author": "dr-haddad",
        "kind": "question",
        "title": "Which medication interactions with azathioprine would you like explained next?",
        "tags": ["azathioprine", "side-effects", "switching-medication"],
        "days_ago": 5,
        "reviewed": False,
        "body": """\
I am planning the next few articles for this site and would like to hear from you. Which medicine interactions with azathioprine (Imuran) do you find confusing or worrying?

## Some ideas to start the discussion

Here are topics people have raised with me before. Vote by replying, or add your own:

1. **Allopurinol and febuxostat.** Why these gout medicines are such an important interaction with AZA and 6-MP, and how some specialist teams use allopurinol deliberately at reduced thiopurine doses.
2. **Antibiotics.** Co-trimoxazole and trimethoprim can add to the effect on the bone marrow. How common is this in practice, and what do teams usually check?
3. **Warfarin.** Azathioprine can reduce the effect of warfarin, which matters when starting or stopping either.
4. **ACE inhibitors and other blood pressure tablets.** Some have been linked with small effects on blood counts.
5. **Over-the-counter and herbal products.** Echinacea and other "immune boosters" are marketed for the opposite purpose to azathioprine. What does the evidence say, and what should you mention to your pharmacist?
6. **Steroids such as prednisolone or budesonide.** How they work alongside azathioprine, especially in AIH and IBD, and why tapering is done gradually.
7. **Switching between thiopurines and mycophenolate.** What to expect when changing from one to the other.

## What I will and will not do

I will write general explanations, aimed at helping you have better conversations with your own prescriber and pharmacist. I will not give individual advice about doses or whether a particular combination is right for you. That depends on details only your own team has, such as your blood results, kidney function and other medicines.

## A reminder for everyone

Whatever interaction you are curious about, the simplest protection is this: make sure every doctor, dentist and pharmacist you see knows that you take azathioprine. Keep an up-to-date medicine list on your phone or in your wallet, including supplements and anything you buy without a prescription.

If you have a specific, urgent worry about a new medicine, please contact your pharmacist or care team directly rather than waiting for a reply here. Community threads can take days to get answers, and some questions should not wait.

Thank you for helping to shape the content. I am looking forward to reading your suggestions.

*Illustrative content written for this demo site; not medical advice.*
""",
    },
]
