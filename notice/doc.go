// Package notice writes the notice an affected person receives about a
// breach: an e-mail (a text/plain and a text/html body, see
// Renderer.Render) or a printed letter (blocks for the pdf package, see
// Renderer.Letter and Renderer.Letters), with the same content and the
// same verification code.
//
// # What a notice says
//
// The structure of a notice lives once, in content.go, for every language
// and law; its wording lives in lang/*.yaml, one file per language (en,
// fr, it, de, es) with the same keys, which the tests check. Text the
// organization wrote (the incident's summary, measures and likely
// consequences) is shown as written, in whatever language it was written.
//
// Which law sections a notice carries depends on where the person lives
// (see Laws):
//
//   - In the EEA (gdpr), the United Kingdom (uk-gdpr) and elsewhere
//     (default), the items of GDPR Art. 34(2) in plain language: what
//     happened (the nature of the breach, when, why, who may have the data
//     and how many people are affected), which of the person's data is
//     concerned, the likely consequences, the measures taken and planned,
//     the data protection officer or other contact point, and advice for
//     each kind of the person's data (change a password, expect phishing,
//     watch card statements...). In the EEA and the UK the notice also
//     tells the right to complain to a data protection authority.
//   - In the United States (us), the "Notice of Data Breach" of California
//     (Civ. Code §1798.82(d)), for every state: its title and its five
//     headings in order, the date or range of dates of the breach, the date
//     of the notice, whether law enforcement delayed it (as far as
//     Incident.LawEnforcement tells), and, when Social Security, driver's
//     license, identity, passport or tax numbers were exposed, fraud alerts,
//     security freezes, free credit reports and the three credit bureaus'
//     toll-free numbers and addresses; the FTC always. New York residents
//     (us-ny) also get the state's and the FTC's identity-theft contacts.
//     Massachusetts residents (us-ma) get the right to a police report and
//     how to request a free security freeze, and, as M.G.L. c. 93H §3
//     requires, their notice states neither the nature of the breach nor
//     the number of people affected: it leaves out the incident's title,
//     summary, cause, nature, recipients, count and the organization's own
//     words on measures and consequences, which tend to describe the
//     breach.
//
// The language is the person's if notices can be written in it, else the
// organization's, else English (see PickLanguage).
//
// # No links
//
// Every notice carries its verification code and tells the person to type
// the address of the verification page into their browser and enter the
// code, and that the organization will never ask for a password or
// payment details. The e-mail holds no link at all (no <a href>, no image,
// no external resource; the verification address is shown as text) and
// says so: nothing in it needs a click, so a phishing imitation that asks
// for one stands out, and the genuine notice cannot be mistaken for one.
// Some mail clients turn addresses written as text into links of their
// own accord; the notice still asks the person to type the address.
//
// # Speed
//
// Executing the templates costs most of a render, and a campaign renders
// the same notice, but for the person's name and code, for many people.
// A Renderer therefore keeps the bodies of recent notices, written with
// stand-ins for the name and code, by everything else they say, and fills
// in the name and code for each person.
package notice
