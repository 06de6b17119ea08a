"""Demo patient posts for the azathioprine / autoimmune hepatitis community site.

All posts are original, illustrative text written for this demo. The authors are
fictional patient personas, and nothing here is medical advice.
"""

PATIENT_POSTS: list[dict] = [
    {
        "author": "liverlearner",
        "kind": "experience",
        "title": "I forgot a dose of azathioprine on holiday",
        "tags": ["azathioprine", "missed-doses", "autoimmune-hepatitis"],
        "days_ago": 12,
        "body": """Two weeks ago we were away at the coast and I realised on the third evening that I had not taken my azathioprine that morning. The days had blurred together and my usual routine (tablet next to the kettle) just did not exist in the holiday flat.

My first reaction was panic, because I have AIH and the thought of a flare after one slip felt huge. I did not guess what to do. I rang the out-of-hours number on my clinic letter and explained. The nurse asked when my last dose had been and what time it was, then told me what my hepatology team prefers for me, which was not to double up the next day. She also said one missed dose is unlikely to matter much for most people, but that they would rather patients ask than improvise.

What I have changed since:

- A weekly pill organiser that lives in my washbag, not the kitchen
- A phone alarm that goes off at the same time whatever time zone I am in
- A photo of my clinic letter with the helpline number on my phone

My next liver bloods were fine, which was a relief. I am sharing because I felt silly at the time, and I suspect I am not the only one who has done this.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "quietriver",
        "kind": "question",
        "title": "Missed my Imuran two days running — what did your team tell you?",
        "tags": ["azathioprine", "missed-doses", "ulcerative-colitis"],
        "days_ago": 47,
        "body": """Bit embarrassed posting this. I missed my Imuran on Saturday and Sunday because I had a stomach bug and could not keep much down, and then honestly just forgot on the Sunday once I felt better. I have UC and have been on aza for about eighteen months.

I have left a message with my IBD nurse line, so I am not asking anyone to tell me what to do with my dosing. I am more curious about how other people's teams handled it:

- Did they want you to do anything different with the next dose?
- Did they bring your blood tests forward?
- Did anyone notice symptoms creeping back after a couple of missed doses?

My understanding is that azathioprine builds up slowly, so a short gap might not show straight away, but I do not really know how that works, and I would rather hear real experiences while I wait for the call back. Also keen on tips for remembering when you are unwell, because a sick day throws my whole routine off.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "liverlearner",
        "kind": "experience",
        "title": "What TPMT testing was like before I started azathioprine",
        "tags": ["azathioprine", "tpmt-testing", "blood-tests", "autoimmune-hepatitis"],
        "days_ago": 380,
        "body": """When I was first diagnosed with autoimmune hepatitis my hepatologist said she wanted to start azathioprine alongside steroids, but not until a TPMT result came back. I had never heard of it, so here is what I learned, in plain terms as it was explained to me.

TPMT is an enzyme that helps the body break down azathioprine. Some people have lower activity, which can mean the drug builds up more and affects the bone marrow. Knowing your level beforehand helps the team decide on a starting dose and how closely to watch your blood counts. My team also mentioned a gene called NUDT15 that can matter in a similar way, and said whether they test it can depend on the clinic and your background.

My experience:

1. One extra tube of blood at my normal appointment
2. About ten days' wait for the result
3. A phone call saying my TPMT activity was in the normal range
4. Starting aza at a low dose with weekly bloods at first

The test did not mean I could skip monitoring. The nurse was clear that a normal TPMT result lowers one risk but does not remove the need for regular full blood counts. If you are about to start, it is worth asking your own team whether it has been done.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "mapleleaf_aih",
        "kind": "experience",
        "title": "Switching from azathioprine to mycophenolate (CellCept) for my AIH",
        "tags": ["autoimmune-hepatitis", "azathioprine", "mycophenolate", "switching-medication"],
        "days_ago": 210,
        "body": """I was on azathioprine for about three years for AIH. It did its job for a long time, but I had ongoing nausea and my liver numbers never quite settled, so last spring my hepatologist suggested changing to mycophenolate mofetil, which you might see written as MMF or by the brand name CellCept.

How it went for me:

- The switch was planned at a clinic appointment, with a clear date to stop aza and start MMF. I did not do any of this on my own.
- My team built the dose up over a few weeks rather than starting at the full amount.
- Bloods were weekly for the first month, then fortnightly, then monthly.
- I had some loose stools in the first few weeks, which settled. I reported it rather than just putting up with it.

My ALT has been in the normal range for the last four checks, though my hepatologist reminded me that the change of drug is only part of the picture. Everyone responds differently, and some people do very well on azathioprine for years.

One practical thing: mycophenolate comes with strict advice about pregnancy and contraception, and my team went through that in detail before I started. Worth asking about if it applies to you.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "mapleleaf_aih",
        "kind": "question",
        "title": "First months on MMF: how often were your blood tests?",
        "tags": ["mycophenolate", "blood-tests", "switching-medication"],
        "days_ago": 150,
        "body": """Now a few months into mycophenolate after switching from azathioprine, and my blood test schedule is starting to stretch out. My hepatology nurse has moved me from fortnightly to monthly, and mentioned going to every three months later in the year if everything stays stable.

I am curious how this compares for others on MMF or CellCept, especially those on it for something other than AIH:

- How often were you tested in the first six months?
- Did they check the same things each time (full blood count, liver function, kidney function)?
- Did anyone have a dip in white count that meant a dose change or extra tests?

I know every clinic has its own protocol and I will follow whatever mine says. I just find it reassuring to hear how other people's schedules looked, because the step down to less frequent testing makes me oddly nervous after being watched so closely. Do you keep your own record of your results? I have started a simple spreadsheet.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "liverlearner",
        "kind": "experience",
        "title": "My blood test schedule and watching my ALT go down",
        "tags": ["blood-tests", "autoimmune-hepatitis", "azathioprine"],
        "days_ago": 330,
        "body": """For anyone newly diagnosed with autoimmune hepatitis and feeling overwhelmed by the number of blood tests, this is roughly what my first year looked like. Your team's plan may be quite different.

- **Weeks 1 to 8:** weekly full blood count (FBC) and liver function tests (LFTs) while starting azathioprine and reducing steroids
- **Months 3 to 6:** every two weeks, then monthly
- **After that:** every two to three months, with IgG checked alongside the liver panel

At diagnosis my ALT was in the hundreds. It came down quite quickly on steroids, then more slowly as the prednisolone was reduced and the aza took over. My AST followed a similar pattern, and my IgG took the longest to come back into the normal range. My hepatologist explained that they look at the trend over time rather than reacting to any single result.

Things that helped me:

- Asking for a printout of results so I could see the trend myself
- Writing questions down before each appointment
- Not comparing my numbers with other people's, because labs use different ranges

Seeing that ALT line slope downwards was the first time I really believed treatment was working. Hang in there if you are at the start.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "sunhat_sam",
        "kind": "experience",
        "title": "Sun protection on azathioprine: my hats, SPF and yearly skin checks",
        "tags": ["sun-protection", "azathioprine", "autoimmune-hepatitis", "side-effects"],
        "days_ago": 95,
        "body": """I have very fair skin, the kind that burns on a cloudy day, and when I started azathioprine for AIH my hepatologist was clear that it can increase the risk of skin cancer over time. That turned me into the person at every barbecue wearing a wide-brimmed hat.

What my routine looks like now:

- A broad-brimmed hat whenever I am outside for more than a few minutes
- High-SPF broad-spectrum sunscreen on my face, ears, neck and the backs of my hands every morning, reapplied when I am outdoors for longer
- Long sleeves in light fabric during summer
- Staying in the shade around the middle of the day
- A yearly skin check, which my GP arranged after I asked

I also check my own skin every month or so, with my partner looking at my back. The dermatology nurse told me to look out for new spots, sores that do not heal, or moles that change, and to get them looked at promptly rather than waiting for the next routine check.

None of this is dramatic, and I do not think about it much now. It is just part of the routine, like the pill organiser.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "sunhat_sam",
        "kind": "question",
        "title": "Beach holiday on Imuran — how do you handle the sun?",
        "tags": ["sun-protection", "azathioprine", "autoimmune-hepatitis"],
        "days_ago": 30,
        "body": """We have booked our first proper beach holiday since I was diagnosed with autoimmune hepatitis, and I am on Imuran. At home I am good about my hat and SPF, but a week somewhere hot and bright feels like a different challenge.

For those of you on azathioprine or other immunosuppressants who have done sunny holidays:

- What actually worked for you in practice? UV swim tops, umbrellas, staying in during the middle of the day?
- How did you keep up with reapplying sunscreen after swimming?
- Did your team or dermatologist give you any specific advice before you went?

I am planning to ask my GP at my next blood test appointment as well, and to get a skin check before we go so I have a baseline. I would love to hear practical tips from people who have been there, because I want to enjoy the trip and not spend it worrying.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "crohns_cyclist",
        "kind": "experience",
        "title": "Nausea when starting aza, and what helped after I spoke to my IBD nurse",
        "tags": ["azathioprine", "side-effects", "crohns-disease"],
        "days_ago": 260,
        "body": """When I started AZA for Crohn's disease, the first couple of weeks were rough. I felt queasy most mornings about an hour after the tablet, which was not great when I was trying to keep cycling to work.

I almost stopped taking it, but I rang my IBD nurse first, and I am glad I did. She asked about timing and food, checked my recent bloods were OK, and said that for some people taking it with or just after a meal helps. She also said nausea on starting is fairly common and often eases, but that it should be reported, because occasionally it can point to something that needs checking, like the pancreas or liver.

What changed for me, with my team's agreement:

- Taking it after breakfast instead of on an empty stomach
- Eating something plain if I felt off
- Keeping a short symptom diary to take to clinic

By week four the nausea had mostly faded. I know some people never settle on azathioprine and need to try something else, so I am not saying it always passes. My takeaway is to talk to your team early rather than quietly quitting.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "lupus_and_tea",
        "kind": "question",
        "title": "Hair thinning on azathioprine — anyone else noticed it?",
        "tags": ["azathioprine", "side-effects", "lupus"],
        "days_ago": 120,
        "body": """I have SLE and have been on azathioprine for about eight months. Over the last few weeks I have noticed more hair in the shower drain and my ponytail feels thinner. It is upsetting, even though I know it is a small thing compared with a flare.

The tricky part is that lupus itself can cause hair loss, and so can stress, and I also had a course of steroids earlier this year. So I honestly cannot tell what is behind it.

Questions for anyone who has been through this:

- Did you notice hair thinning on aza, and did it settle over time?
- Did your rheumatologist or GP check anything, like thyroid or iron levels?
- Did anything help you cope with it day to day, like a different haircut?

I have mentioned it to my rheumatology nurse and she has asked me to bring it up properly at my next appointment, so I am not planning to change anything myself. I mostly want to know I am not alone with it.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "sunhat_sam",
        "kind": "experience",
        "title": "My AIH relapse after stopping treatment",
        "tags": ["autoimmune-hepatitis", "azathioprine", "blood-tests"],
        "days_ago": 300,
        "body": """After about four years of stable autoimmune hepatitis, with normal ALT and IgG for a long stretch, my hepatologist and I agreed to try coming off azathioprine. It was a careful, planned decision. I had a liver biopsy beforehand, and the plan included frequent blood tests after stopping.

For around seven months everything looked fine. Then my ALT started creeping up at one check, and was clearly higher at the next. I felt more tired than usual but otherwise well, so without the blood tests I would not have known.

My team restarted treatment, including a short course of steroids, and my numbers came back down over the following months. I am now back on long-term maintenance, and my hepatologist explained that relapse after stopping is quite common in AIH, which is exactly why they monitor so closely.

What I would say to anyone thinking about stopping:

- Only do it as a plan with your hepatology team, never on your own
- Keep every blood test appointment afterwards, even when you feel great
- Be prepared emotionally for the possibility of going back on treatment

I was disappointed, but I do not regret trying. I now know more about how my own liver behaves.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "liverlearner",
        "kind": "experience",
        "title": "Prednisolone side effects while tapering: moon face, sleep and mood",
        "tags": ["side-effects", "autoimmune-hepatitis"],
        "days_ago": 355,
        "body": """Steroids were the part of AIH treatment I was least prepared for. I started on a fairly high dose of prednisolone (the same family as prednisone, which friends overseas take) while the azathioprine was introduced, and the taper took several months.

Side effects I noticed, roughly in order:

- Trouble sleeping, especially if I took the pred late in the day (my team suggested mornings)
- Feeling wired and irritable, then flat
- A rounder face and a big appetite
- Some ankle swelling and higher blood pressure readings at the GP

As the dose came down, most of this eased. The last few steps of the taper were slower, and I felt more tired and achy for a while, which my hepatologist said can happen as the body adjusts. She was clear that steroids should not be stopped suddenly, and that the taper should follow the plan on my letter.

My team also arranged a bone density scan and calcium and vitamin D, because long steroid courses can affect bones. I would never have thought to ask about that.

If you are in the middle of a taper, it does get better. Be kind to yourself about the mood swings and appetite.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "ra_gardener",
        "kind": "question",
        "title": "Tapering pred for RA — how did you cope as the steroids came down?",
        "tags": ["rheumatoid-arthritis", "side-effects", "azathioprine"],
        "days_ago": 190,
        "body": """My rheumatologist put me on a short course of prednisolone to calm an RA flare while my azathioprine dose is reviewed, and I am now partway through tapering it down. The first week on steroids I felt brilliant, full of energy and barely stiff. Now that the pred is coming down, the aches are returning and I am sleeping badly.

I am following the taper exactly as written on my clinic letter and I know not to stop steroids suddenly. What I am asking is more about coping:

- Did your joints get worse as the steroid dose dropped, and how long before things settled?
- Any tips for sleep during the taper?
- Did you notice mood changes, and did you mention them to your team?

I will be ringing the rheumatology advice line if things get much worse, as my nurse said to. Just hoping to hear from others who have been through the up-and-down of a steroid course so I know what is normal.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "kidneygift",
        "kind": "experience",
        "title": "Travelling abroad with my transplant medications",
        "tags": ["transplant", "azathioprine", "missed-doses"],
        "days_ago": 70,
        "body": """Last summer I took my first trip abroad since my kidney transplant. I take azathioprine along with my other anti-rejection medicines, and the idea of running out or missing doses on a trip worried me a lot. Here is what I did, based on what my transplant team suggested.

- **Extra supply:** I asked for enough medication to cover the trip plus a few spare days in case of delays.
- **Hand luggage:** All my tablets went in my carry-on, in their original labelled packaging.
- **Paperwork:** A letter from the clinic listing my medicines, plus a copy of my prescription.
- **Time zones:** My pharmacist helped me plan how to shift my dosing times gradually, since some of my medicines need fairly consistent timing.
- **Insurance:** I declared the transplant and got cover that included it.
- **Local help:** I looked up the nearest hospital with a transplant unit before I left, just in case.

The trip went smoothly. The only hiccup was a long airport delay, and I was glad my evening tablets were in my bag rather than in the hold.

If you are planning travel, ask your transplant team well in advance. They have seen it all and were really helpful.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "crohns_cyclist",
        "kind": "question",
        "title": "Flu jab and live vaccines while on azathioprine and a biologic?",
        "tags": ["azathioprine", "crohns-disease", "side-effects"],
        "days_ago": 200,
        "body": """I am on azathioprine plus a biologic for Crohn's, and autumn is coming, so vaccine questions are on my mind.

My IBD nurse has told me that the flu jab (the injected, inactivated one) is recommended for me every year, and that the nasal spray version is a live vaccine, so it is usually not suitable for people on immunosuppressants. She also said to always tell whoever is vaccinating me what medicines I take.

What I am still unclear on, and will ask at my next review:

- A friend's child is due a live vaccine. Does that matter for me at all?
- If I travel somewhere that needs a yellow fever vaccine, what then?
- Were you advised to have any vaccines before starting aza or a biologic?

I would love to hear how others' teams have handled this, especially people with IBD on combination therapy. I know the answers depend on individual circumstances, so I am not looking for rules, just experiences and good questions to take to clinic.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "quietriver",
        "kind": "question",
        "title": "Planning a pregnancy while on azathioprine for UC — what should I ask?",
        "tags": ["azathioprine", "ulcerative-colitis"],
        "days_ago": 160,
        "body": """My partner and I are starting to think about trying for a baby in the next year or so. My ulcerative colitis has been in remission on azathioprine for a while, and I really do not want to rock the boat, but I also want to make sure everything is planned properly.

I have asked my gastroenterologist for a pre-conception appointment and I am not changing anything before then. My understanding so far, from what my IBD nurse said briefly, is that many people do continue azathioprine during pregnancy, and that keeping UC in remission is important for both parent and baby. But I know it is an individual decision.

What I would like to hear from others:

- What questions did you take to your pre-conception appointment?
- Did your team involve an obstetrician early on?
- Were there any blood test or dose changes during pregnancy?
- Did anyone talk to you about breastfeeding on aza?

I would be grateful for experiences, and also for a list of questions I might not think to ask.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "crohns_cyclist",
        "kind": "experience",
        "title": "Crohn's on azathioprine plus a biologic: my first year of combo therapy",
        "tags": ["crohns-disease", "azathioprine", "blood-tests"],
        "days_ago": 240,
        "body": """A year ago my gastroenterologist suggested combination therapy for my Crohn's disease: a biologic infusion every few weeks, plus azathioprine. She explained that for some people the aza can help the biologic work better and reduce the chance of the body making antibodies against it.

My first year in brief:

- **Months 1 to 3:** Getting used to infusion days and weekly, then fortnightly, blood tests. Some tiredness after infusions.
- **Months 3 to 6:** Symptoms settling, fewer urgent dashes, and back on the bike for short rides.
- **Months 6 to 12:** A colonoscopy showed good healing. Blood tests down to every few months, plus drug level checks.

The trade-off I think about most is infection risk. Being on two immunosuppressants means I take colds more seriously, keep up with recommended vaccines, and ring the IBD line if I get a fever instead of waiting it out.

My team has said they will review whether I need both medicines long term, and that this varies a lot between people. For now, I am grateful to be back on two wheels.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "kidneygift",
        "kind": "experience",
        "title": "Five years after my kidney transplant: keeping rejection at bay",
        "tags": ["transplant", "azathioprine", "blood-tests"],
        "days_ago": 390,
        "body": """This month marks five years since my kidney transplant, so I wanted to share what rejection prevention looks like in my daily life. My medication combination is specific to me and was chosen by my transplant team, so please do not read this as a recipe.

My routine:

- Anti-rejection medicines at the same times every day, set by alarms
- Regular blood tests for kidney function, blood counts and drug levels, less often now than in year one
- Blood pressure checks at home
- An annual review including a skin check, because transplant medicines raise skin cancer risk

The biggest lesson from year one was that rejection can be silent. My team told me early on that I might feel completely well while my creatinine was rising, which is why the blood tests matter so much. I had one small rise in my second year that turned out to be dehydration after a stomach bug, but I only found out because I rang the clinic and had an extra test.

I will never be able to thank my donor's family enough. Taking my medicines faithfully feels like the least I can do for that gift.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "lupus_and_tea",
        "kind": "experience",
        "title": "Riding out a lupus flare while on azathioprine",
        "tags": ["lupus", "azathioprine", "blood-tests"],
        "days_ago": 55,
        "body": """I have had SLE for nine years and azathioprine has been part of my treatment for the last three. It has kept things mostly calm, but last month I had my first proper flare in a long time: swollen, painful hands, a rash across my cheeks, and the kind of fatigue where making a cup of tea feels like a project.

What I did, and what my team did:

- I rang the rheumatology advice line on day two rather than waiting for my next appointment
- They brought my blood tests forward, including kidney function and urine checks
- My rheumatologist added a short steroid course and kept my aza the same
- I cancelled almost everything for two weeks and rested properly

Things are mostly back to baseline now. Looking back, I had been ignoring a few warning signs: poor sleep, a stressful month at work, and a sunburn on a day I forgot my hat.

I am sharing this because flares can feel like failure, as if you have done something wrong. My rheumatologist reminded me that lupus does this sometimes even when you do everything right, and that reporting it early is the most useful thing I can do.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "ra_gardener",
        "kind": "experience",
        "title": "Morning joint stiffness with RA, and getting back into the garden",
        "tags": ["rheumatoid-arthritis", "azathioprine"],
        "days_ago": 85,
        "body": """Gardening has been my happy place for thirty years, so when rheumatoid arthritis started stiffening my hands and knees, I felt I was losing a part of myself. Some mornings it took well over an hour before I could grip a trowel.

I have been on azathioprine for RA for a while now, alongside other treatment my rheumatologist manages. It was slow to make a difference, which my team warned me about, but over several months the morning stiffness has shortened noticeably.

Small changes that have helped me, alongside the medicines:

- A warm shower before heading out, and gentle hand exercises from my physio
- Tools with thick, padded handles and a kneeling stool with side handles
- Gardening later in the morning once things have loosened up
- Raised beds, so less bending
- Splitting jobs into short sessions with tea breaks

I still have bad days, and I report any new swollen joints to my rheumatology nurse rather than pushing through. But this spring I planted out all my tomatoes myself, which felt like a small victory.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "kidneygift",
        "kind": "question",
        "title": "Colds and infections while immunosuppressed — when do you ring the clinic?",
        "tags": ["transplant", "azathioprine", "side-effects"],
        "days_ago": 20,
        "body": """Winter seems to bring one cold after another in our house, and since my transplant I am never sure where the line is between "just a cold" and "ring the team".

My transplant clinic has told me to call if I have a fever, feel shivery, have a cough that brings up coloured phlegm, pain passing urine, or anything that does not feel right. They also said infections can look milder than they really are when you are on immunosuppressants, so not to judge by how bad I feel. That makes sense, but it still leaves grey areas.

For others on azathioprine, MMF or other immunosuppressants:

- What thresholds did your team give you for calling?
- Do you have a plan for weekends and evenings?
- Has a simple cold ever turned into something more for you?
- Any practical habits that help you avoid bugs without living in a bubble?

I am not looking to replace my clinic's advice, just to compare notes and maybe pick up some good questions to ask at my next review.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "liverlearner",
        "kind": "question",
        "title": "Alcohol with autoimmune hepatitis — what did your hepatologist say?",
        "tags": ["autoimmune-hepatitis", "azathioprine", "blood-tests"],
        "days_ago": 140,
        "body": """I have a wedding coming up and I have been wondering about alcohol again. When I was diagnosed with AIH, my hepatologist advised me to avoid alcohol completely while my liver was inflamed, and I have not had a drink since. My liver tests have now been normal for over a year.

I asked at my last appointment whether that advice still stands. She said it depends on the individual, including how much scarring there is, and that for me she would still prefer I avoid it or keep it to a very occasional small amount, and talk to her first. So I am not asking anyone to give me permission.

What I am curious about:

- What have other people with autoimmune hepatitis been told?
- Did the advice differ if you had cirrhosis or fibrosis?
- How do you handle social situations where everyone is drinking?

Honestly, the social side is what I find hardest. I have found alcohol-free drinks help, but I still get questions. Would love to hear how others handle it.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "lupus_and_tea",
        "kind": "experience",
        "title": "Fatigue: telling lupus tiredness apart from medication tiredness",
        "tags": ["lupus", "azathioprine", "side-effects", "blood-tests"],
        "days_ago": 100,
        "body": """Fatigue is the symptom people understand least about lupus. It is not just being sleepy. It is a heavy, whole-body exhaustion that sleep does not fix.

When I started azathioprine, I worried it was making the fatigue worse. I raised it with my rheumatologist, and rather than guessing, we went through it step by step:

- Blood tests to check for anaemia, a low white count, thyroid problems and vitamin D
- A look at my lupus activity markers
- A conversation about sleep, mood and how much I was trying to do

In my case the bloods showed mild anaemia, which was treated, and my lupus was a bit more active than we had thought. The azathioprine did not seem to be the main cause, though my team said it can contribute for some people.

What helps me now:

- Pacing: planning my week with rest built in, not just when I crash
- A short walk most days, even when I do not feel like it
- A fatigue diary to take to appointments
- Saying no more often, which is still a work in progress

If you are exhausted, it is worth telling your team. There may be something treatable behind it.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "quietriver",
        "kind": "question",
        "title": "Switching from azathioprine to 6-MP (mercaptopurine) for UC — experiences?",
        "tags": ["ulcerative-colitis", "azathioprine", "switching-medication", "side-effects"],
        "days_ago": 180,
        "body": """My gastroenterologist has raised the idea of switching me from azathioprine to mercaptopurine, usually called 6-MP. I have had ongoing flu-like aches and nausea on aza that have not settled, and she explained that azathioprine is turned into mercaptopurine in the body, so some people who do not tolerate one get on better with the other.

She was upfront that it does not work for everyone, and that I would need the same kind of blood monitoring as with aza, especially at the start. We are going to make a decision at my next appointment, and I am not changing anything in the meantime.

Questions for anyone who has made this switch for UC or Crohn's:

- Did your side effects improve on 6-MP?
- How was the dosing started, all at once or built up gradually?
- How often were your blood tests in the first couple of months?
- Did your team check metabolite levels (6-TGN) afterwards?

Grateful for any experiences, good or bad. It helps me know what to ask.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "crohns_cyclist",
        "kind": "question",
        "title": "What do 6-TGN levels actually tell you? Confused by my results",
        "tags": ["azathioprine", "blood-tests", "crohns-disease"],
        "days_ago": 130,
        "body": """At my last IBD review I was told my 6-TGN level had come back on the low side, and my 6-MMP level was in range. The consultant explained it briefly, but I came away only half understanding it.

What I think I understood:

- Azathioprine is broken down into several metabolites
- 6-TGN is linked with how well the drug is working, and very high levels can be linked with low blood counts
- 6-MMP is another metabolite, and high levels have been linked with liver test problems
- Measuring both can help the team decide whether the dose suits you, whether you are taking it regularly, or whether something else is going on

She mentioned that some people's bodies favour the 6-MMP pathway, and that there are options her team sometimes considers in that situation, but we are not there yet. For now she is adjusting things and rechecking in a couple of months.

For those who have had these tests:

- Did the results lead to a dose change?
- How long before the levels were rechecked?
- Did anyone explain it in a way that clicked for you?

I will ask more at my next appointment, but any plain-language explanations from fellow patients are welcome.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "ra_gardener",
        "kind": "experience",
        "title": "Cuts, scratches and avoiding infections while gardening on azathioprine",
        "tags": ["rheumatoid-arthritis", "azathioprine", "sun-protection", "side-effects"],
        "days_ago": 65,
        "body": """When I started azathioprine for RA, my rheumatology nurse asked about my hobbies. When I said gardening, she gave me a few pointers that I have stuck with, and I thought they might be useful for other gardeners here.

Her advice, and my own habits:

- **Gloves, always.** Thorny roses and soil can both bring infections into small cuts. I keep two pairs so there is always a dry one.
- **Clean cuts promptly.** Wash with clean water and cover them. If a cut gets red, hot, swollen or painful, I ring the GP rather than waiting.
- **Compost and manure.** I wear a mask when turning dusty compost or bagged soil.
- **Sun.** A wide hat and sunscreen, because azathioprine raises skin cancer risk. I have a light long-sleeved shirt just for the garden.
- **Tetanus.** My GP checked I was up to date.

None of this has stopped me gardening. It has just become part of the routine, like putting on boots. I did have one infected scratch last year that needed antibiotics, and I am glad I got it seen early.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "sunhat_sam",
        "kind": "question",
        "title": "Is it normal for the white count to dip on aza?",
        "tags": ["azathioprine", "blood-tests", "autoimmune-hepatitis", "side-effects"],
        "days_ago": 8,
        "body": """My latest full blood count came back with my white count a little lower than usual, and my neutrophils were just under the range. I have been on aza for AIH for about two years and my counts have always been fine until now.

The hepatology nurse called and said they want to repeat the test in a week before deciding anything, and that I should ring straight away if I get a fever, sore throat or any signs of infection. She did not change my dose, and I am following her plan.

While I wait, I would like to hear from others:

- Has your white count dipped on azathioprine or MMF?
- Did it recover on its own, or did your team adjust your dosing?
- Did they check anything else, like TPMT again, NUDT15, or 6-TGN levels?
- Did a recent infection or other medicine turn out to be the cause?

I know one result does not tell the whole story, and that my team will look at the trend. But waiting a week for a repeat test feels long, and hearing other people's experiences would help.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "mapleleaf_aih",
        "kind": "experience",
        "title": "Stomach upset on CellCept and what my team changed",
        "tags": ["mycophenolate", "side-effects", "autoimmune-hepatitis"],
        "days_ago": 110,
        "body": """A follow-up to my earlier post about switching from azathioprine to mycophenolate for AIH. A few people asked how the side effects went, so here is an honest update.

For the first couple of months on CellCept I had bloating, cramps and looser stools, especially in the afternoons. It was not severe, but it was enough to make me anxious about being far from a toilet.

I mentioned it at my next blood test appointment, and my hepatology nurse went through a few things with me:

- Whether I was taking it with food, and at consistent times
- Whether anything else could be causing it, like a bug or a new food
- Whether the dose could be split differently across the day

After talking it through with my hepatologist, they adjusted how my doses were spread out. Over the following weeks things improved a lot. My liver function tests stayed stable through all of this, which was reassuring.

I want to be clear that this was my team's decision based on my situation, and that other people may need something quite different. My main point is this: if a new medicine is upsetting your stomach, tell your team. I waited longer than I needed to because I did not want to make a fuss.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "quietriver",
        "kind": "experience",
        "title": "Two years of UC remission on azathioprine: what my monitoring looks like",
        "tags": ["ulcerative-colitis", "azathioprine", "blood-tests"],
        "days_ago": 275,
        "body": """Two years ago my ulcerative colitis was flaring constantly and I was on and off steroids. My gastroenterologist suggested azathioprine as a steroid-sparing medicine, and after a slow start it has kept me in remission since.

I have had a lot of blood tests over those two years, so here is roughly how the monitoring has gone for me:

- TPMT checked before starting (normal for me)
- Weekly bloods for the first month, then fortnightly, then monthly
- Now every three months: full blood count, liver function and kidney function
- A yearly review with my consultant, plus a calprotectin test when symptoms change

Things I have learned:

- It took about three months before I noticed a real difference. My team warned me aza works slowly.
- Keeping a log of my results helped me feel more in control.
- I have had the occasional slightly raised liver enzyme, which my team monitored and which settled without changes.

It is not glamorous, but being able to plan a day out without mapping every toilet feels like a different life. If you are just starting aza for UC and wondering whether it will ever kick in, be patient and keep your team in the loop.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "kidneygift",
        "kind": "question",
        "title": "Skin checks after a transplant: how often do you go?",
        "tags": ["transplant", "sun-protection", "azathioprine"],
        "days_ago": 40,
        "body": """My transplant team reminded me at my annual review that people on long-term anti-rejection medicines, including azathioprine, have a higher risk of skin cancer. I have been good about sun protection (hat, long sleeves, high SPF), but I realised I have been a bit vague about proper skin checks.

At the moment I check myself now and then, and my transplant clinic glances at my skin once a year. The nurse suggested I ask about a referral to dermatology for regular checks, which I am going to do.

For other transplant recipients, or anyone on long-term immunosuppression:

- How often does a dermatologist or GP check your skin?
- Was it set up automatically, or did you have to ask?
- Do you have a system for checking yourself, like photos of moles?
- What made you get something looked at between appointments?

I would like to get into a good routine now rather than later. Thanks in advance for sharing what works for you.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "lupus_and_tea",
        "kind": "question",
        "title": "Vomiting bug and missed doses of azathioprine — how did your team advise you?",
        "tags": ["lupus", "azathioprine", "missed-doses"],
        "days_ago": 25,
        "body": """I have just got over a nasty vomiting bug that lasted about two days. I have lupus and take azathioprine along with hydroxychloroquine. During the worst of it I could not keep my tablets down, so in effect I missed a couple of doses.

I rang my GP surgery and the rheumatology advice line. They told me what to do in my case, checked I was not getting dehydrated, and said to call back if I developed a fever or did not improve. They also said being unwell while immunosuppressed is something to take seriously, not just ride out.

What I would like to know from others:

- Has your team given you a written sick-day plan for your medicines?
- Did they say anything about what to do if you vomit shortly after a dose?
- Did you have blood tests afterwards?

I am planning to ask for a written plan at my next rheumatology appointment, so the next time this happens I am not scrambling. If you already have one, what does it cover? (No need to share the details of your own doses. I know they are individual.)

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "ra_gardener",
        "kind": "question",
        "title": "TPMT result came back intermediate — what did that mean for your dosing?",
        "tags": ["tpmt-testing", "azathioprine", "rheumatoid-arthritis"],
        "days_ago": 225,
        "body": """Before starting azathioprine for my RA, my rheumatologist ordered a TPMT test. The result came back as intermediate activity. She explained that this means my body breaks down azathioprine more slowly than average, so she plans to start me on a lower dose than usual and monitor my blood counts closely.

I feel fine about that plan, and I am glad they tested first, but I would like to hear from others with intermediate or low TPMT:

- Were you started on a lower dose, and was it increased later?
- How often were your blood tests in the early months?
- Did the azathioprine still work well for you at a lower dose?
- Were you also tested for NUDT15?

I also wondered whether this result affects other medicines. My pharmacist said to make sure it is on my records so any future prescriber knows, which I have done.

Grateful for any experiences. I am not looking for dosing advice, as that is for my rheumatologist, just reassurance from people who have been in the same boat.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "sunhat_sam",
        "kind": "experience",
        "title": "Fatigue in my first year of AIH treatment",
        "tags": ["autoimmune-hepatitis", "side-effects", "azathioprine"],
        "days_ago": 170,
        "body": """I thought the fatigue would lift as soon as my liver tests improved. It did not, at least not straight away, and I wish someone had warned me.

In my first year with autoimmune hepatitis, my ALT came down fairly quickly on steroids and azathioprine, but I was still exhausted. Some afternoons I had to lie down after a short walk to the shops. I worried the aza was to blame, or that the treatment was not working.

I brought it up at clinic, and my hepatologist took it seriously. She checked my thyroid, iron and vitamin D, looked at my blood count, and asked about sleep and mood. Some of it was put down to the steroid taper and some to the disease itself, and she said fatigue in AIH can lag behind the blood results.

What has helped me, slowly:

- Pacing my week and not cramming everything into good days
- A gentle walking routine that I build up bit by bit
- Being honest with my manager about needing flexibility
- Talking to others with AIH, including people on this site

Two years in, my energy is much better, though not quite what it was. If you are in that first tired year, you are not imagining it. Tell your team.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "mapleleaf_aih",
        "kind": "question",
        "title": "Shingles and other non-live vaccines on mycophenolate — what were you offered?",
        "tags": ["mycophenolate", "autoimmune-hepatitis", "switching-medication"],
        "days_ago": 15,
        "body": """Since switching from azathioprine to mycophenolate for AIH, I have been trying to get my vaccines organised. My GP practice and my hepatology team have both said that live vaccines are generally avoided while on immunosuppressants like MMF and aza, and that non-live vaccines are usually fine, though they may work a little less well.

So far I have had my yearly flu jab and a pneumococcal vaccine. My hepatology nurse mentioned there is a non-live shingles vaccine that may be suitable for people on immunosuppression, and suggested I ask my GP whether I am eligible.

Questions for others:

- Which vaccines did your team recommend while on mycophenolate or azathioprine?
- Did anyone suggest timing vaccines around a medication change?
- Did you have to push to get the non-live shingles vaccine, or was it offered?
- Did your team ever check your immunity with a blood test?

I know recommendations vary by country and by person, so I will be following what my own team says. I am just trying to make sure I have asked all the right questions.

*Illustrative post written for this demo site; not medical advice.*""",
    },
    {
        "author": "liverlearner",
        "kind": "question",
        "title": "IgG vs ALT: which numbers does your hepatologist watch most in AIH?",
        "tags": ["autoimmune-hepatitis", "blood-tests", "azathioprine"],
        "days_ago": 3,
        "body": """A question for the AIH crowd. I have been on azathioprine for a few years and my ALT and AST have been normal for a while. My IgG has been slowly drifting towards the top of the normal range over the last couple of tests.

At my last appointment my hepatologist said she looks at the whole picture, ALT, AST and IgG together along with how I feel, and that a slight upward drift in IgG on its own is something to watch rather than react to. We are repeating bloods in six weeks.

I would like to understand this better:

- Has your hepatologist explained how they weigh up IgG versus the liver enzymes?
- Has anyone had IgG rise before their ALT did, ahead of a relapse?
- Did your team ever suggest a scan or biopsy to get a clearer picture?

I am not worried as such, just curious, and I find I cope better when I understand what the numbers mean. Any explanations from your own appointments would be welcome.

*Illustrative post written for this demo site; not medical advice.*""",
    },
]
