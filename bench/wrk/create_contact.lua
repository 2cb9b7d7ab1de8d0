-- POST /api/v1/contacts with a realistic, unique body per request.
-- Usage: wrk ... -s create_contact.lua URL -- RUN_PREFIX
-- Emails are unique per (run prefix, wrk thread, request); phone numbers per (thread, request).
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua"
require "report"

local firsts = {"James", "Mary", "Robert", "Patricia", "José", "Linda", "Michael", "Zoë", "David", "Renée",
                "William", "Elizabeth", "Søren", "Barbara", "Richard", "Chloé"}
local lasts = {"Smith", "Johnson", "Garcia", "Müller", "Nguyen", "O'Brien", "Martinez", "Kowalski", "Brown",
               "Lefèvre", "Taylor", "Nakamura", "Anderson", "Peña", "Wilson", "Jensen"}
local titles = {"Account Executive", "VP of Sales", "Head of Marketing", "Procurement Manager", "CTO",
                "Operations Director", "Founder", "Data Analyst"}
local stages = {"lead", "lead", "lead", "customer", "customer", "opportunity", "subscriber"}
local tags = {'["vip"]', '["newsletter","webinar"]', '[]', '["enterprise","decision-maker"]', '["smb"]'}
local cities = {{"Austin", "TX", "78701", "512"}, {"Seattle", "WA", "98101", "206"},
                {"Boston", "MA", "02110", "617"}, {"Denver", "CO", "80202", "303"}}

local threads = {}
function setup(thread)
  thread:set("thread_number", #threads)
  table.insert(threads, thread)
end

function init(args)
  prefix = args[1] or "run"
  tid = thread_number or 0
  counter = 0
end

function request()
  counter = counter + 1
  local n = counter
  local first = firsts[n % #firsts + 1]
  local last = lasts[(n * 7 + tid) % #lasts + 1]
  local city = cities[n % #cities + 1]
  local body = string.format(
    '{"first_name":"%s","last_name":"%s","job_title":"%s","lifecycle_stage":"%s","source":"website",' ..
    '"emails":[{"address":"contact.%s.t%d.%d@example-%d.com","label":"work"}],' ..
    '"phones":[{"number":"+1 %s %03d %04d","label":"work"}],"tags":%s,' ..
    '"addresses":[{"label":"work","street":"%d Market St","city":"%s","region":"%s",' ..
    '"postal_code":"%s","country":"US"}],"custom_fields":{"company":"Bench Co %d"}}',
    first, last, titles[n % #titles + 1], stages[n % #stages + 1],
    prefix, tid, n, n % 97, city[4], 200 + tid * 10 + math.floor(n / 10000) % 10, n % 10000,
    tags[n % #tags + 1], 100 + n % 900, city[1], city[2], city[3], n % 500)
  return wrk.format("POST", nil, nil, body)
end
