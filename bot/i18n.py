"""User-facing strings in zh-CN and en. `t(locale, key, **values)`.

Templates are our own Slack mrkdwn. `t` escapes every value that is not already `Mrkdwn` (a
report name, a title, something typed), so its result can go anywhere mrkdwn goes; `t_plain`
fills in the values as they are, for plain text (headers, labels, files, the terminal).
"""

from __future__ import annotations

from bot.mrkdwn import Mrkdwn, md, plain

STRINGS: dict[str, dict[str, str]] = {
    "summary.title": {"zh-CN": "{name} · {month}工作总结", "en": "{name} · {month} work summary"},
    "summary.progress": {"zh-CN": "已提交 {done}/{total} 个部分", "en": "{done}/{total} sections in"},
    "summary.missing": {"zh-CN": "未提交：{sections}", "en": "Not submitted: {sections}"},
    "summary.all_in": {"zh-CN": "所有部分均已提交", "en": "Every section is in"},
    "summary.thread_hint": {"zh-CN": "各部分全文见本消息的回复 🧵", "en": "Full text of every section is in the thread 🧵"},
    "summary.by": {"zh-CN": "作者：{authors} · 更新于 {when}", "en": "By {authors} · updated {when}"},
    "summary.not_submitted": {"zh-CN": "_（未提交）_", "en": "_(not submitted)_"},
    "summary.cont": {"zh-CN": "（续 {i}/{n}）", "en": "(cont. {i}/{n})"},
    "summary.updated": {"zh-CN": "✏️ 总结已更新：{section} 由 {author} {what}（第 {revision} 版）。",
                        "en": "✏️ Summary updated: {section} {what} by {author} (revision {revision})."},
    "summary.what.added": {"zh-CN": "补交", "en": "added"},
    "summary.what.edited": {"zh-CN": "修改", "en": "edited"},
    "prompt.header": {"zh-CN": "{month}工作总结 · {title}", "en": "{month} summary · {title}"},
    "prompt.intro": {"zh-CN": "请为 *{name}* 撰写本部分，截止 *{due}*。", "en": "Please write this section for *{name}* by *{due}*."},
    "prompt.howto": {"zh-CN": "点「撰写」在表单中填写，或直接在本消息的回复中写（多条回复按顺序合并）。",
                     "en": "Press Write to use the form, or reply in this thread (replies are joined in order)."},
    "prompt.write": {"zh-CN": "撰写", "en": "Write"},
    "prompt.edit": {"zh-CN": "修改", "en": "Edit"},
    "prompt.away": {"zh-CN": "我不在", "en": "I'm away"},
    "prompt.received": {"zh-CN": "✅ 已收到（第 {revision} 版，{when}，{author}）", "en": "✅ Received (revision {revision}, {when}, {author})"},
    "prompt.coowners": {"zh-CN": "共同撰写：{owners}", "en": "Co-written with {owners}"},
    "prompt.closed": {"zh-CN": "总结已发布；修改会同步更新已发布的总结。", "en": "The summary is posted; edits update it in place."},
    "modal.title": {"zh-CN": "撰写总结", "en": "Write section"},
    "modal.submit": {"zh-CN": "保存", "en": "Save"},
    "modal.close": {"zh-CN": "取消", "en": "Cancel"},
    "modal.part": {"zh-CN": "正文（第 {i} 段）", "en": "Text (part {i})"},
    "modal.text": {"zh-CN": "正文", "en": "Text"},
    "modal.more": {"zh-CN": "内容较长时可继续写在下一段，保存时按顺序合并。", "en": "Long answers continue in the next part; parts are joined in order."},
    "modal.too_long": {"zh-CN": "这部分已有 {chars} 字，超出表单能完整编辑的长度。为了不丢失内容，请在提醒消息的回复中继续补充。",
                       "en": "This section has {chars} characters, more than a form can edit without cutting it. To keep every word, add to it by replying in the prompt's thread."},
    "modal.empty": {"zh-CN": "请写点内容再保存。", "en": "Write something before saving."},
    "modal.stale": {"zh-CN": "你打开表单后，这部分已被保存为第 {revision} 版（{when}），本次没有保存。表单中已附上当前内容，请核对后再保存。",
                    "en": "Saved as revision {revision} ({when}) after you opened this form, so yours was not saved. Check the current text shown, then save again."},
    "modal.stale.note": {"zh-CN": "⚠️ {author} 在你打开表单后保存了第 {revision} 版（{when}），你的内容没有保存。当前内容如下，你写的仍在下面的输入框里：合并需要的内容后再保存，保存后以你的内容为准。",
                         "en": "⚠️ {author} saved revision {revision} ({when}) after you opened this form, and yours was not saved. "
                               "The current text is below; yours is still in the inputs. Merge what you need and save again: what you save then replaces it."},
    "modal.stale.more": {"zh-CN": "……（当前内容共 {chars} 字，这里只显示开头）", "en": "… (the current text has {chars} characters; only the start is shown)"},
    "saved.thread": {"zh-CN": "已保存到「{title}」（第 {revision} 版）。", "en": "Saved to “{title}” (revision {revision})."},
    "refuse.not_admin": {"zh-CN": "只有报告管理员可以执行 `{what}`（管理员：{admins}）。", "en": "Only report admins can run `{what}` (admins: {admins})."},
    "refuse.not_owner": {"zh-CN": "「{title}」由 {owners} 负责，你不能修改它。", "en": "“{title}” belongs to {owners}; you can't change it."},
    "refuse.not_open": {"zh-CN": "{month} 还没有开始收集，管理员可用 `/feedsum open {period}` 开始。",
                        "en": "{month} is not open yet; an admin can start it with `/feedsum open {period}`."},
    "refuse.no_report": {"zh-CN": "这里没有 feedsum 报告。在报告所在频道运行命令，或加上 `--report <id>`。",
                         "en": "There is no feedsum report here. Run the command in the report's channel or add `--report <id>`."},
    "refuse.which_report": {"zh-CN": "你参与了多个报告（{ids}），请在报告所在频道运行，或加上 `--report <id>`。",
                            "en": "You belong to several reports ({ids}); run the command in the report's channel or add `--report <id>`."},
    "refuse.unknown_report": {"zh-CN": "没有 id 为 `{id}` 的报告。", "en": "There is no report with id `{id}`."},
    "refuse.bad_month": {"zh-CN": "无法识别月份 `{text}`，请写成 YYYY-MM，例如 `{example}`。",
                         "en": "`{text}` is not a month; write it as YYYY-MM, for example `{example}`."},
    "refuse.unknown_section": {"zh-CN": "没有「{key}」这个部分。可选：{keys}", "en": "There is no section `{key}`. Sections: {keys}"},
    "refuse.not_saved": {"zh-CN": "⚠️ 保存失败，你的内容没有被保存：{error}。请稍后重试（内容如下，可复制）。",
                         "en": "⚠️ Saving failed and your text was NOT saved: {error}. Please try again (your text is below to copy)."},
    "refuse.already_posted": {"zh-CN": "{month} 的总结已于 {when} 发布：{link}。之后的修改会自动更新它。",
                              "en": "The {month} summary was posted {when}: {link}. Later edits update it automatically."},
    "refuse.post_failed": {"zh-CN": "总结未能发布到频道：{error}。请确认 feedsum 已加入该频道。",
                           "en": "The summary could not be posted: {error}. Check that feedsum is in the channel."},
    "refuse.post_busy": {"zh-CN": "{month} 的总结正在发布，还没有发完（{since} 开始）。发完后会出现在频道里。"
                                 "如果发布它的进程中断了，{seconds} 秒后再运行 `/feedsum compile` 会补发缺少的部分，不会重复。",
                         "en": "The {month} summary is being posted and is not complete yet (started {since}). It will "
                               "appear in the channel when done. If the process posting it stopped, run `/feedsum "
                               "compile` again in {seconds} s: it posts the missing parts and repeats none."},
    "working": {"zh-CN": "⏳ 处理中…", "en": "⏳ Working on it…"},
    "help.unknown": {"zh-CN": "没有 `{word}` 这个命令，你是想用 {near} 吗？", "en": "There is no `{word}` command. Did you mean {near}?"},
    "remind.text": {"zh-CN": "⏰ *{name}* {month}总结还差你的：{sections}。截止 {due}。在之前的提醒消息里点「撰写」即可填写。",
                    "en": "⏰ *{name}* {month} summary still needs your {sections}. Due {due}. Press Write on the prompt to answer."},
    "remind.last_call": {"zh-CN": "🔔 最后提醒：*{name}* {month}总结将于 {due} 发布，还差你的：{sections}。",
                         "en": "🔔 Last call: the *{name}* {month} summary posts at {due} and still needs your {sections}."},
    "remind.done": {"zh-CN": "已提醒 {sent} 人。", "en": "Reminded {sent} people."},
    "away.set": {"zh-CN": "好的，{until} 之前不再提醒你。", "en": "Got it: no reminders until {until}."},
    "away.cleared": {"zh-CN": "欢迎回来，提醒已恢复。", "en": "Welcome back: reminders are on again."},
    "delegate.done": {"zh-CN": "已把「{section}」交给 {user}，并给 TA 发了填写提醒。", "en": "Handed “{section}” to {user} and sent them the prompt."},
    "refuse.bad_date": {"zh-CN": "无法识别日期 `{text}`，请写成 YYYY-MM-DD。", "en": "`{text}` is not a date; write it as YYYY-MM-DD."},
    "refuse.delegate_usage": {"zh-CN": "用法：`/feedsum delegate <部分> @某人`", "en": "Usage: `/feedsum delegate <section> @someone`"},
    "refuse.not_available": {"zh-CN": "`{what}` 暂不可用。", "en": "`{what}` is not available yet."},
    "away.title": {"zh-CN": "休假", "en": "Away"},
    "away.label": {"zh-CN": "休假到（含当天）", "en": "Away until (inclusive)"},
    "kpi.provisional": {"zh-CN": "转化数据可能仍在回传，发布前会重新拉取", "en": "Conversions may still be backfilled; data is pulled again before posting"},
    "kpi.coverage.only": {"zh-CN": "仅{platforms}，占{basis} {share}", "en": "{platforms} only, {share} of {basis}"},
    "kpi.coverage.only_platforms": {"zh-CN": "仅{platforms}", "en": "{platforms} only"},
    "kpi.coverage.part": {"zh-CN": "仅部分数据，占{basis} {share}", "en": "part of the data, {share} of {basis}"},
    "kpi.coverage.some": {"zh-CN": "仅部分数据", "en": "part of the data only"},
    "kpi.change.scope": {"zh-CN": "同口径：仅{platforms}", "en": "like for like: {platforms} only"},
    "kpi.change.not_comparable": {"zh-CN": "与上月数据范围不同，不作比较", "en": "not compared: last month's data covers other rows"},
    "pacing.running": {"zh-CN": "💰 预算 {budget}：已消耗 {spent}（{used}），时间进度 {elapsed}，预计月底消耗 {projected}，{status}",
                       "en": "💰 Budget {budget}: {spent} spent ({used}) with {elapsed} of the month gone; projected month-end spend {projected}, {status}"},
    "pacing.status.on_track": {"zh-CN": "节奏正常", "en": "on track"},
    "pacing.status.over": {"zh-CN": "可能超预算", "en": "heading over budget"},
    "pacing.status.under": {"zh-CN": "可能花不完", "en": "heading under budget"},
    "pacing.final.over": {"zh-CN": "💰 本月消耗 {spent}，超出预算 {over}（预算 {budget}）",
                          "en": "💰 Spend {spent}: {over} over budget ({budget})"},
    "pacing.final.within": {"zh-CN": "💰 本月消耗 {spent}，使用预算 {used}（预算 {budget}）",
                            "en": "💰 Spend {spent}: {used} of budget used ({budget})"},
    "claims.warning": {"zh-CN": "🔎 「{title}」里有 {n} 个数字和数据不一致（仅你可见，不影响提交）：",
                       "en": "🔎 {n} figure(s) in “{title}” disagree with the data (only you see this; your answer is saved):"},
    "prompt.kpis": {"zh-CN": "本月数据（写作时参考）：", "en": "This month's numbers, to write with:"},
    "prompt.missed": {"zh-CN": "未达成的目标，请说明原因：", "en": "Missed targets — please explain each:"},
    "prompt.actuals": {"zh-CN": "本月实际值（设定下月目标时参考）：", "en": "This month's actuals, for setting next month's targets:"},
    "prompt.draft": {"zh-CN": "用数据起草", "en": "Draft from data"},
    "modal.targets": {"zh-CN": "下月 KPI 目标（选填，成为下月的考核目标）", "en": "Next month's KPI targets (optional; next month is judged against them)"},
    "modal.bad_target": {"zh-CN": "无法识别 `{text}`，请写数字，如 1.5% 或 45", "en": "`{text}` is not a number; write e.g. 1.5% or 45"},
    "targets.none": {"zh-CN": "{month} 没有设定 KPI 目标。", "en": "No KPI targets for {month}."},
    "targets.title": {"zh-CN": "{month} KPI 目标", "en": "{month} KPI targets"},
    "import.done": {"zh-CN": "📥 已导入 `{file}`：{rows} 行（剔除汇总行 {dropped} 行）。{months}", "en": "📥 Imported `{file}`: {rows} rows ({dropped} total rows dropped). {months}"},
    "import.same": {"zh-CN": "（此文件之前已导入过，未重复计入）", "en": "(this file was imported before; nothing was added twice)"},
    "import.failed": {"zh-CN": "⚠️ 无法导入 `{file}`：{error}", "en": "⚠️ Could not import `{file}`: {error}"},
    "import.no_report": {"zh-CN": "⚠️ 不知道 `{file}` 属于哪个报告：请发到报告所在频道。", "en": "⚠️ I don't know which report `{file}` belongs to: share it in the report's channel."},
    "import.not_admin": {"zh-CN": "只有报告管理员上传的数据会被导入。", "en": "Only report admins' files are imported."},
    "import.download": {"zh-CN": "无法从 Slack 下载该文件，请重新上传", "en": "the file could not be downloaded from Slack; please share it again"},
    # reading ad exports (bot/exports.py): errors name the file, row and column as written in the file
    "read.cell": {"zh-CN": "{file}，{what}", "en": "{file}, {what}"},
    "read.file": {"zh-CN": "{file}：{what}", "en": "{file}: {what}"},
    "read.row": {"zh-CN": "第 {row} 行", "en": "row {row}"},
    "read.column": {"zh-CN": "“{column}”列", "en": "column \"{column}\""},
    "read.sep": {"zh-CN": "，", "en": ", "},
    "read.list_sep": {"zh-CN": "；", "en": "; "},
    "read.got": {"zh-CN": "{problem}，实际为“{value}”", "en": "{problem}, got \"{value}\""},
    "read.bad_rows": {"zh-CN": "{file}：{rows} 行有问题（{cells} 个单元格），没有导入任何数据。{shown}{more}",
                      "en": "{file}: {rows} bad row{s} ({cells} cells), nothing was imported. {shown}{more}"},
    "read.more": {"zh-CN": "；另有 {n} 处", "en": "; and {n} more"},
    "read.not_found": {"zh-CN": "找不到文件", "en": "file not found"},
    "read.empty": {"zh-CN": "文件是空的", "en": "the file is empty"},
    "read.unknown_preset": {"zh-CN": "没有预设 {preset}，可选：{names}", "en": "unknown preset {preset}; choose one of {names}"},
    "read.unknown_fields": {"zh-CN": "列映射里有未知的字段：{fields}", "en": "unknown canonical column(s) in the mapping: {fields}"},
    "read.xlsx_open": {"zh-CN": "无法打开这个 Excel 工作簿（{error}）", "en": "cannot open the Excel workbook ({error})"},
    "read.xlsx_headers": {"zh-CN": "无法识别表头：第一个工作表里没有像展现、点击或消耗的列",
                          "en": "unknown headers: no column looks like impressions, clicks or spend in the first sheet"},
    "read.binary": {"zh-CN": "这不是 CSV、TSV 或 XLSX 文件（二进制内容）", "en": "this is not a CSV, TSV or XLSX file (binary content)"},
    "read.encoding": {"zh-CN": "文本编码不是 UTF-8、UTF-16 或 GB18030", "en": "the text encoding is not UTF-8, UTF-16 or GB18030"},
    "read.bad_encoding": {"zh-CN": "文件不是有效的 {encoding} 文本", "en": "the file is not valid {encoding} text"},
    "read.no_table": {"zh-CN": "没有找到表格：文件里没有用逗号或制表符分隔的列",
                      "en": "no table found: the file has no rows with comma- or tab-separated columns"},
    "read.unknown_headers": {"zh-CN": "无法识别表头：没有像展现、点击或消耗的列（第一行：{first}）；请选择预设或设置 [reports.metrics.columns]",
                             "en": "unknown headers: no column looks like impressions, clicks or spend (first line: {first}); "
                                   "choose a preset or set [reports.metrics.columns]"},
    "read.no_measures": {"zh-CN": "无法识别表头：在这些列中找不到消耗、展现和点击：{headers}",
                         "en": "unknown headers: cannot find spend, impressions and clicks among: {headers}"},
    "read.mapping_missing": {"zh-CN": "列映射为 {field} 指定了“{header}”，但文件里没有这一列",
                             "en": "the column mapping names \"{header}\" for {field}, but the file has no such header"},
    "read.row_misfit": {"zh-CN": "这一行和表格对不上（{error}）", "en": "the row does not fit the table ({error})"},
    "read.row_width": {"zh-CN": "这一行有 {cells} 个单元格，表头只有 {width} 个（是否有未加引号的逗号？）",
                       "en": "the row has {cells} cells but the header has {width} (an unquoted comma?)"},
    "read.number_expected": {"zh-CN": "应为数字", "en": "expected a number"},
    "read.too_large": {"zh-CN": "数字太大", "en": "the number is too large"},
    "read.date_missing": {"zh-CN": "缺少日期", "en": "the date is missing"},
    "read.date_expected": {"zh-CN": "应为日期，例如 2026-03-31", "en": "expected a date like 2026-03-31"},
    "read.date_expected_as": {"zh-CN": "应为 {format} 格式的日期", "en": "expected a date written as {format}"},
    "read.no_date": {"zh-CN": "没有日期列，也没有找到报告的时间范围；请按天细分导出，或{fix}",
                     "en": "no date column and no report period in the file; export with a Day breakdown, or {fix}"},
    "read.period_spans": {"zh-CN": "报告的时间范围是 {period}，跨了不止一个自然月；请按月（或按天细分）导出，或{fix}",
                          "en": "the report covers {period}, which spans more than one calendar month; export one month "
                                "(or add a Day breakdown), or {fix}"},
    "read.period_unbounded": {"zh-CN": "报告的时间范围是“{period}”，没有起止日期；请按月（或按天细分）导出，或{fix}",
                              "en": "the report covers \"{period}\", with no start or end date; export one month "
                                    "(or add a Day breakdown), or {fix}"},
    "read.period_other_month": {"zh-CN": "报告的时间范围是 {period}，不在你指定的 {month} 内；请检查月份",
                                "en": "the report covers {period}, which is not in {month}, the month you named; check the month"},
    "read.date_order": {"zh-CN": "无法判断日期是“日/月”还是“月/日”（例如 {example}，文件里没有大于 12 的日）；{fix}",
                        "en": "the dates could be day/month or month/day (e.g. {example}; no day above 12 in the file); {fix}"},
    "read.date_order_mixed": {"zh-CN": "日期的写法前后矛盾：{dmy} 只能是“日/月”，{mdy} 只能是“月/日”",
                              "en": "the dates contradict each other: {dmy} only reads as day/month, {mdy} only as month/day"},
    "read.date_format_bad": {"zh-CN": "无法识别日期格式“{value}”：请写 DMY（日在前）、MDY（月在前）或 strftime 格式如 %d/%m/%Y",
                             "en": "unknown date format \"{value}\": use DMY (day first), MDY (month first) or a strftime "
                                   "pattern like %d/%m/%Y"},
    "read.month_bad": {"zh-CN": "“{value}”不是月份，请写成 YYYY-MM", "en": "\"{value}\" is not a month; write it as YYYY-MM"},
    "read.fix.month.cli": {"zh-CN": "加上 --month YYYY-MM 指定月份", "en": "name the month with --month YYYY-MM"},
    "read.fix.month.config": {"zh-CN": "在 feedsum.toml 的这个数据源里写上 month = \"YYYY-MM\"",
                              "en": "name the month with month = \"YYYY-MM\" on this source in feedsum.toml"},
    "read.fix.month.slack": {"zh-CN": "重新上传，并在消息里写明月份，例如“2026-11”或“11月”",
                             "en": "share it again with the month in your message, e.g. \"2026-11\" or \"November\""},
    "read.fix.order.cli": {"zh-CN": "加上 --date-format DMY（日在前）或 MDY（月在前）",
                           "en": "state the order with --date-format DMY (day first) or MDY (month first)"},
    "read.fix.order.config": {"zh-CN": "在 feedsum.toml 的这个数据源里写上 date_format = \"DMY\"（日在前）或 \"MDY\"（月在前）",
                              "en": "state the order with date_format = \"DMY\" (day first) or \"MDY\" (month first) on "
                                    "this source in feedsum.toml"},
    "read.fix.order.slack": {"zh-CN": "重新上传，并在消息里写上 DMY（日在前）或 MDY（月在前）",
                             "en": "share it again with DMY (day first) or MDY (month first) in your message"},
    "read.w.generic": {"zh-CN": "无法从表头认出平台：这些行记为 “Other”（在数据源上写 platform = \"…\" 可指定平台名）",
                       "en": "platform not recognised from the headers: rows are labelled \"Other\" (set platform = \"…\" "
                             "on the source to name it)"},
    "read.w.notes": {"zh-CN": "跳过了 {n} 行没有日期也没有数字的行（{rows}）", "en": "skipped {n} row(s) without a date or numbers ({rows})"},
    "read.w.headers": {"zh-CN": "去掉了 {n} 行重复的表头（{rows}）", "en": "dropped {n} repeated header row(s) ({rows})"},
    "read.w.sum_row": {"zh-CN": "去掉了第 {row} 行：它等于其他各行之和", "en": "dropped row {row}: it equals the sum of the other rows"},
    "read.w.no_campaign_groups": {"zh-CN": "没有计划列：按广告组归类", "en": "no campaign column: rows are grouped under ad groups"},
    "read.w.no_campaign_all": {"zh-CN": "没有计划列：全部归入 (all)", "en": "no campaign column: rows are grouped under (all)"},
    "read.w.roas": {"zh-CN": "收入按每行的 ROAS × 消耗计算", "en": "revenue computed as ROAS × spend of each row"},
    "read.w.fen": {"zh-CN": "消耗以“分”为单位：已换算成元", "en": "spend is in 分 (fen): converted to 元"},
    "read.w.wan": {"zh-CN": "消耗以“万元”为单位：已换算成元", "en": "spend is in 万元: converted to 元"},
    "read.w.masked": {"zh-CN": "{n} 个空白或打码的单元格（--、<5）按 0 计", "en": "{n} empty or masked cell(s) (--, <5) counted as 0"},
    "read.w.meta_results": {"zh-CN": "Meta 的 “Results” 按转化数相加：不同目标的结果不可直接比较",
                            "en": "Meta 'Results' summed as conversions: results of different objectives are not comparable"},
    "read.w.multi_day": {"zh-CN": "有些行覆盖多天：每行记在它的第一天", "en": "some rows cover several days: each is dated by its first day"},
    "read.w.ctr_mismatch": {"zh-CN": "文件里的“{ctr}”与“{clicks}”÷“{impressions}”对不上：请检查列映射",
                            "en": "the file's \"{ctr}\" does not match \"{clicks}\" / \"{impressions}\": check the column mapping"},
    "read.w.period": {"zh-CN": "没有日期列：每行都覆盖报告时间范围 {period}，记在 {date}",
                      "en": "no date column: every row covers the report period {period} and is dated {date}"},
    "read.period_none": {"zh-CN": "整个文件（未写明时间范围）", "en": "the whole file (no period stated)"},
    "read.w.month": {"zh-CN": "覆盖“{period}”的数据按你的要求记入 {month}",
                     "en": "rows covering \"{period}\" are filed under {month}, as you asked"},
    "read.w.unused": {"zh-CN": "“{column}”列像是{measure}，但没有被读取；要使用它，请在 [reports.metrics.columns] 里写 {field} = \"{column}\"",
                      "en": "column \"{column}\" looks like {measure} but was not used; to use it, set {field} = \"{column}\" "
                            "under [reports.metrics.columns]"},
    "read.w.unused_alt": {"zh-CN": "“{column}”列像是{measure}，但没有被读取（{measure}取自“{used}”列）",
                          "en": "column \"{column}\" looks like {measure} but was not used ({measure} read from \"{used}\")"},
    "read.w.missing": {"zh-CN": "没有{measure}列：{kpis} 无值（—）", "en": "no {measure} column: {kpis} —"},
    "read.measure.impressions": {"zh-CN": "展现", "en": "impressions"},
    "read.measure.clicks": {"zh-CN": "点击", "en": "clicks"},
    "read.measure.spend": {"zh-CN": "消耗", "en": "spend"},
    "read.measure.conversions": {"zh-CN": "转化", "en": "conversions"},
    "read.measure.revenue": {"zh-CN": "收入", "en": "revenue"},
    "read.kpi.ctr": {"zh-CN": "点击率", "en": "CTR"},
    "read.kpi.cpc": {"zh-CN": "点击单价", "en": "CPC"},
    "read.kpi.cpm": {"zh-CN": "千次展现费用", "en": "CPM"},
    "read.kpi.cvr": {"zh-CN": "转化率", "en": "CVR"},
    "read.kpi.cpa": {"zh-CN": "转化成本", "en": "CPA"},
    "read.kpi.roas": {"zh-CN": "ROI", "en": "ROAS"},
    "import.warnings": {"zh-CN": "⚠️ 请注意：", "en": "⚠️ Please check:"},
    "import.more_warnings": {"zh-CN": "……另有 {n} 条提示（`feedsum metrics` 可列出全部）",
                             "en": "…and {n} more (`feedsum metrics` lists them all)"},
    "import.not_saved": {"zh-CN": "数据库写入失败，没有导入任何数据：{error}。请稍后重新上传", "en": "the database refused the write, so nothing was imported: {error}. Please share the file again later"},
    "import.internal": {"zh-CN": "内部错误，没有导入任何数据；请稍后重试，如果一直出错请联系管理员", "en": "an internal error stopped the import and nothing was imported; try again later, and tell your admin if it keeps failing"},
    "limit.upload_size": {"zh-CN": "文件大小 {size}，超过 {limit} 的上限；请每个文件只导出一个月（或一个平台）的数据", "en": "the file is {size}, over the {limit} limit; export one month (or one platform) per file"},
    "limit.xlsx_parts": {"zh-CN": "工作簿包含 {count} 个部件，超过 {limit} 的上限；出于安全考虑已拒绝（疑似压缩炸弹）", "en": "the workbook has {count} parts, over the {limit} limit; refused as unsafe (a zip bomb?)"},
    "limit.xlsx_expand": {"zh-CN": "工作簿解压后有 {size}，超过 {limit} 的上限；出于安全考虑已拒绝（疑似压缩炸弹）。请减少行数或导出为 CSV", "en": "the workbook would expand to {size}, over the {limit} limit; refused as unsafe (a zip bomb?). Export fewer rows or use CSV"},
    "limit.xlsx_ratio": {"zh-CN": "工作簿解压后膨胀 {ratio} 倍（{packed} → {size}），超过 {limit} 倍的上限；出于安全考虑已拒绝（疑似压缩炸弹）", "en": "the workbook expands {ratio} times ({size} from {packed}), over the limit of {limit} times; refused as unsafe (a zip bomb?)"},
    "limit.xlsx_entities": {"zh-CN": "工作簿声明了 XML 实体（DTD），Excel 从不这样写；出于安全考虑已拒绝（实体展开）", "en": "the workbook declares XML entities (a DTD), which Excel never writes; refused as unsafe (entity expansion)"},
    "limit.xlsx_columns": {"zh-CN": "工作表跨 {count} 列，超过 Excel 文件 {limit} 列的上限；请删除空列或导出为 CSV", "en": "the sheet spans {count} columns, over the limit of {limit} columns for Excel files; delete the empty columns or export as CSV"},
    "limit.xlsx_row_cells": {"zh-CN": "某一行超过 {limit} 个单元格，超过 Excel 文件的列数上限；请删除空列或导出为 CSV", "en": "a row has more than {limit} cells, over the column limit for Excel files; delete the empty columns or export as CSV"},
    "limit.xlsx_rows": {"zh-CN": "工作表超过 {limit} 行，这是 Excel 文件的上限；请导出为 CSV", "en": "the sheet has more than {limit} rows, the limit for Excel files; export as CSV"},
    "limit.xlsx_cells": {"zh-CN": "工作簿超过 {limit} 个单元格，这是 Excel 文件的上限；请减少行数或导出为 CSV", "en": "the workbook has more than {limit} cells, the limit for Excel files; export fewer rows or as CSV"},
    "limit.xlsx_strings": {"zh-CN": "工作簿中不同的文本超过 {limit} 个，这是 Excel 文件的上限；请导出为 CSV", "en": "the workbook has more than {limit} distinct texts, the limit for Excel files; export as CSV"},
    "limit.xlsx_row_elements": {"zh-CN": "某一行的 XML 超过 {limit} 个元素，远多于单元格所需；出于安全考虑已拒绝", "en": "a row's XML has more than {limit} elements, far more than its cells need; refused as unsafe"},
    "limit.xlsx_row_chars": {"zh-CN": "某一行的文字超过 {limit} 个字符，这是 Excel 文件的上限；出于安全考虑已拒绝", "en": "a row holds more than {limit} characters of text, the limit for Excel files; refused as unsafe"},
    "limit.xlsx_part_elements": {"zh-CN": "工作簿在表格行之外有超过 {limit} 个 XML 元素；出于安全考虑已拒绝", "en": "the workbook's XML has more than {limit} elements outside the table's rows; refused as unsafe"},
    "limit.xlsx_part_chars": {"zh-CN": "工作簿在表格行之外有超过 {limit} 个 XML 字符；出于安全考虑已拒绝", "en": "the workbook's XML has more than {limit} characters outside the table's rows; refused as unsafe"},
    "export.cut": {"zh-CN": "还有 {chars} 字放不下；请允许 feedsum 给你发私信后重新导出，获取完整文件。",
                   "en": "{chars} more characters do not fit here; let feedsum DM you and export again for the full file."},
    "open.done": {"zh-CN": "已开始 {month}：发出 {sent} 条提醒{extra}。", "en": "Opened {month}: sent {sent} prompts{extra}."},
    "open.already": {"zh-CN": "，{skipped} 条此前已发过", "en": ", {skipped} already sent before"},
    "open.busy": {"zh-CN": "，{busy} 条正由另一个进程发送", "en": ", {busy} being sent by another process"},
    "open.failed": {"zh-CN": "，{failed} 条发送失败（见 `/feedsum status`）", "en": ", {failed} failed (see `/feedsum status`)"},
    "compile.done": {"zh-CN": "已发布 {month} 总结：{link}", "en": "Posted the {month} summary: {link}"},
    "compile.preview": {"zh-CN": "预览（只有你能看到）：", "en": "Preview (only you can see this):"},
    "status.title": {"zh-CN": "{name} · {month}", "en": "{name} · {month}"},
    "status.state.none": {"zh-CN": "未开始", "en": "not opened"},
    "status.state.open": {"zh-CN": "收集中", "en": "collecting"},
    "status.state.posted": {"zh-CN": "已发布", "en": "posted"},
    "status.line": {"zh-CN": "状态：{state} · 截止 {due} · 进度 {done}/{total}", "en": "State: {state} · due {due} · {done}/{total} in"},
    "status.pending": {"zh-CN": "待提交", "en": "pending"},
    "status.submitted": {"zh-CN": "已提交 {when}", "en": "submitted {when}"},
    "status.edited": {"zh-CN": "已提交 {first}，修改于 {when}（第 {revision} 版）", "en": "submitted {first}, edited {when} (rev. {revision})"},
    "status.next": {"zh-CN": "接下来：{what}", "en": "Next: {what}"},
    "status.next.open": {"zh-CN": "管理员运行 `/feedsum open` 发出填写提醒", "en": "an admin runs `/feedsum open` to send the prompts"},
    "status.next.compile": {"zh-CN": "截止后管理员运行 `/feedsum compile` 发布总结", "en": "after the due date an admin runs `/feedsum compile` to post"},
    "status.next.posted": {"zh-CN": "总结已发布：{link}", "en": "the summary is posted: {link}"},
    "status.failures": {"zh-CN": "⚠️ 发送失败：{items}", "en": "⚠️ Delivery failures: {items}"},
    "status.away": {"zh-CN": "（休假至 {until}）", "en": "(away until {until})"},
    "admins.failures": {"zh-CN": "⚠️ feedsum 有消息未能送达（{name} · {month}）：{items}",
                        "en": "⚠️ feedsum could not deliver some messages ({name} · {month}): {items}"},
    "error.generic": {"zh-CN": "出错了，没有任何更改。请稍后再试；如果一直出错，请联系管理员。",
                      "en": "Something went wrong and nothing was changed. Please try again; tell an admin if it persists."},
    "error.sorry": {"zh-CN": "抱歉，feedsum 出了点问题，这次没能完成。请稍后再试；如需帮助，请把错误编号 `{id}` 告诉管理员。",
                    "en": "Sorry, something went wrong in feedsum and this did not complete. Please try again; "
                          "if you ask an admin for help, quote error id `{id}`."},
    "error.sorry_saved": {"zh-CN": "已保存。但保存之后的步骤出了问题（提醒消息或已发布的总结可能暂未更新）。如需帮助，请把错误编号 `{id}` 告诉管理员。",
                          "en": "Saved. Something went wrong in what follows a save (a prompt or the posted summary may "
                                "not show it yet); if you ask an admin for help, quote error id `{id}`."},
    "error.title": {"zh-CN": "出错了", "en": "Something went wrong"},
    "error.close": {"zh-CN": "返回", "en": "Back"},
    "modal.slow": {"zh-CN": "Slack 响应太慢，表单没能及时打开。请点下面的按钮再试一次。",
                   "en": "Slack answered too slowly and the form could not open in time. Use the button to try again."},
    "modal.try_again": {"zh-CN": "再试一次", "en": "Try again"},
    "setup.not_saved": {"zh-CN": "⚠️ 设置没有保存：{error}", "en": "⚠️ The settings were not saved: {error}"},
    # report administration: setup, owners, targets, history, export, App Home
    "refuse.config_managed": {
        "zh-CN": "报告 `{id}` 由配置文件管理，请在 `{file}` 中修改（`[[reports]]` 里 id = \"{id}\"），然后重启 feedsum。",
        "en": "Report `{id}` is managed by the config file: change it in `{file}` (the `[[reports]]` entry with "
              "id = \"{id}\"), then restart feedsum."},
    "refuse.setup_where": {"zh-CN": "请在要发布总结的频道里运行 `/feedsum setup`。",
                           "en": "Run `/feedsum setup` in the channel the summary should be posted to."},
    "refuse.setup_taken": {"zh-CN": "这个频道刚刚已经创建了报告 `{id}`，请重新运行 `/feedsum setup` 修改它。",
                           "en": "A report (`{id}`) was just created for this channel; run `/feedsum setup` again to edit it."},
    "refuse.owner_usage": {"zh-CN": "用法：`/feedsum owner <部分> @某人 [@某人…]`（部分：{keys}）",
                           "en": "Usage: `/feedsum owner <section> @someone [@someone…]` (sections: {keys})"},
    "refuse.target_usage": {"zh-CN": "用法：`/feedsum target <指标> <数值> [YYYY-MM]`，例如 `/feedsum target ctr 3%`。指标：{kpis}",
                            "en": "Usage: `/feedsum target <kpi> <value> [YYYY-MM]`, e.g. `/feedsum target ctr 3%`. KPIs: {kpis}"},
    "refuse.target_value": {"zh-CN": "`{text}` 不是 {kpi} 的有效数值。{hint}",
                            "en": "`{text}` is not a valid value for {kpi}. {hint}"},
    "target.hint.ratio": {"zh-CN": "比率可写成 3% 或 0.03。", "en": "Ratios may be written as 3% or 0.03."},
    "target.hint.number": {"zh-CN": "请写一个不小于 0 的数字。", "en": "Give a number of at least 0."},
    "refuse.export_usage": {"zh-CN": "用法：`/feedsum export YYYY-MM [md|xlsx|csv]`",
                            "en": "Usage: `/feedsum export YYYY-MM [md|xlsx|csv]`"},
    "refuse.export_private": {"zh-CN": "{month} 的总结还没有发布，只有管理员和各部分负责人可以导出。",
                              "en": "The {month} summary is not posted yet; only admins and section owners can export it."},
    "owner.done": {"zh-CN": "「{section}」的负责人现在是 {users}。", "en": "“{section}” is now owned by {users}."},
    "owners.title": {"zh-CN": "{name} · 各部分负责人", "en": "{name} · section owners"},
    "owners.admins": {"zh-CN": "管理员：{admins}", "en": "Admins: {admins}"},
    "owners.managed.config": {"zh-CN": "由配置文件 `{file}` 管理（id `{id}`）。", "en": "Managed by the config file `{file}` (id `{id}`)."},
    "owners.managed.setup": {"zh-CN": "在 Slack 中管理：管理员可用 `/feedsum setup` 或 `/feedsum owner` 修改。",
                             "en": "Managed in Slack: admins change it with `/feedsum setup` or `/feedsum owner`."},
    "target.done": {"zh-CN": "已把 {month} 的 {kpi} 目标设为 {value}{was}。", "en": "Set the {month} {kpi} target to {value}{was}."},
    "target.was": {"zh-CN": "（原为 {value}）", "en": " (was {value})"},
    "history.title": {"zh-CN": "{name} · 历史总结", "en": "{name} · past summaries"},
    "history.none": {"zh-CN": "还没有任何一期。", "en": "No period has been opened yet."},
    "history.line": {"zh-CN": "{month} · {state} · {done}/{total}", "en": "{month} · {state} · {done}/{total}"},
    "history.link": {"zh-CN": "查看总结", "en": "view summary"},
    "export.sent": {"zh-CN": "已把 {month} 的导出文件（{files}）私信给你。", "en": "Sent you the {month} export ({files}) in a DM."},
    "export.failed": {"zh-CN": "无法私信文件（{error}），下面是 Markdown 内容：",
                      "en": "Could not send the files in a DM ({error}); here is the Markdown:"},
    "export.comment": {"zh-CN": "{title} 导出", "en": "{title} export"},
    "setup.title.new": {"zh-CN": "新建月度总结", "en": "New summary report"},
    "setup.title.edit": {"zh-CN": "月度总结设置", "en": "Report settings"},
    "setup.title.readonly": {"zh-CN": "月度总结设置（只读）", "en": "Report (read-only)"},
    "setup.submit": {"zh-CN": "保存", "en": "Save"},
    "setup.close": {"zh-CN": "关闭", "en": "Close"},
    "setup.intro.new": {"zh-CN": "为 <#{channel}> 创建月度总结。你会成为它的管理员。",
                        "en": "Create the monthly summary for <#{channel}>. You become its admin."},
    "setup.intro.edit": {"zh-CN": "修改 <#{channel}> 的月度总结 `{id}`。", "en": "Edit the monthly summary `{id}` of <#{channel}>."},
    "setup.readonly": {"zh-CN": "报告 `{id}` 由配置文件管理，这里只能查看。要修改，请编辑 `{file}` 中 id = \"{id}\" 的 `[[reports]]`，然后重启 feedsum。",
                       "en": "Report `{id}` is managed by the config file, so this is read-only. To change it, edit the "
                             "`[[reports]]` entry with id = \"{id}\" in `{file}`, then restart feedsum."},
    "setup.name": {"zh-CN": "报告名称", "en": "Report name"},
    "setup.admins": {"zh-CN": "管理员", "en": "Admins"},
    "setup.locale": {"zh-CN": "语言", "en": "Language"},
    "setup.timezone": {"zh-CN": "时区（IANA，如 Asia/Shanghai）", "en": "Time zone (IANA, e.g. Asia/Shanghai)"},
    "setup.calendar": {"zh-CN": "工作日历（国家代码如 CN，或 none）", "en": "Business days (country code like CN, or none)"},
    "setup.sections": {"zh-CN": "包含的部分", "en": "Sections included"},
    "setup.owners": {"zh-CN": "*各部分负责人*（未指定时由管理员负责）", "en": "*Section owners* (admins when nobody is picked)"},
    "setup.schedule": {"zh-CN": "*时间安排*", "en": "*Schedule*"},
    "setup.open_nth": {"zh-CN": "月末倒数第几个工作日发出提醒", "en": "Open on the nth-last business day"},
    "setup.open_time": {"zh-CN": "发出提醒的时间", "en": "Open at"},
    "setup.due_nth": {"zh-CN": "次月第几个工作日截止并发布", "en": "Due on the nth business day of next month"},
    "setup.due_time": {"zh-CN": "截止时间", "en": "Due at"},
    "setup.targets": {"zh-CN": "*KPI 目标*（可选；比率可写 3% 或 0.03）", "en": "*KPI targets* (optional; ratios as 3% or 0.03)"},
    "setup.budget": {"zh-CN": "月度消耗预算", "en": "Monthly spend budget"},
    "setup.bad.timezone": {"zh-CN": "未知时区，请写 IANA 名称，如 Asia/Shanghai。", "en": "Unknown time zone; use an IANA name like Asia/Shanghai."},
    "setup.bad.calendar": {"zh-CN": "未知日历，请写国家代码（如 CN）或 none。", "en": "Unknown calendar; use a country code like CN, or none."},
    "setup.bad.name": {"zh-CN": "请填写名称（最多 80 个字符）。", "en": "Give a name (at most 80 characters)."},
    "setup.bad.sections": {"zh-CN": "至少选择一个部分。", "en": "Pick at least one section."},
    "setup.bad.admins": {"zh-CN": "至少需要一位管理员。", "en": "At least one admin is needed."},
    "setup.bad.nth": {"zh-CN": "请写 1 到 10 之间的整数。", "en": "Give a whole number from 1 to 10."},
    "setup.bad.time": {"zh-CN": "请选择时间。", "en": "Pick a time."},
    "setup.saved": {"zh-CN": "✅ 已保存报告 `{id}`（{name}）。管理员可用 `/feedsum open` 开始一期。",
                    "en": "✅ Saved report `{id}` ({name}). Admins can start a period with `/feedsum open`."},
    "home.title": {"zh-CN": "feedsum 月度总结", "en": "feedsum monthly summaries"},
    "home.pending": {"zh-CN": "*待你撰写*", "en": "*Waiting for you*"},
    "home.pending.none": {"zh-CN": "本期没有待你撰写的部分 🎉", "en": "Nothing is waiting for you this period 🎉"},
    "home.pending.item": {"zh-CN": "*{title}* · {name} · {month} · 截止 {due}", "en": "*{title}* · {name} · {month} · due {due}"},
    "home.reports": {"zh-CN": "*你的报告*", "en": "*Your reports*"},
    "home.report.line": {"zh-CN": "*{name}* · {month} · {state} · {done}/{total}", "en": "*{name}* · {month} · {state} · {done}/{total}"},
    "home.next": {"zh-CN": "接下来：{what}", "en": "Next: {what}"},
    "home.next.none": {"zh-CN": "暂无安排", "en": "nothing scheduled"},
    "home.recent": {"zh-CN": "*最近的总结*", "en": "*Recent summaries*"},
    "home.recent.none": {"zh-CN": "还没有发布过总结。", "en": "No summary has been posted yet."},
    "home.no_reports": {"zh-CN": "你还没有参与任何报告。在团队频道里运行 `/feedsum setup` 创建一个。",
                        "en": "You are not in any report yet. Run `/feedsum setup` in your team's channel to create one."},
    "demo.imported": {"zh-CN": "0. 已导入 {file}：{rows} 行，剔除汇总行 {dropped} 行",
                      "en": "0. imported {file}: {rows} rows, {dropped} total row(s) dropped"},
    "demo.opened": {"zh-CN": "1. 已开始 {period}：私信发出 {sent} 条填写提醒", "en": "1. opened {period}: {sent} prompts sent by DM"},
    "demo.drafted": {"zh-CN": "   {name} 在 {when}（月份结束后）用「用数据起草」写数据部分，并补充了几句",
                     "en": "   {name} wrote the data section on {when} (after the month ended) from “Draft from data”, adding a few lines"},
    "demo.claims": {"zh-CN": "   数字核对，仅私信给 {name}：{text}", "en": "   claim check, privately to {name}: {text}"},
    "demo.answered": {"zh-CN": "2. 已回答 {answered}/{total} 个部分；特意留了一个未交",
                      "en": "2. {answered} of {total} sections answered; one left open on purpose"},
    "demo.posted": {"zh-CN": "3. 已汇总发布：1 条频道消息 + {replies} 条话题回复",
                    "en": "3. compiled and posted: 1 channel message + {replies} thread replies"},
    "demo.wrote": {"zh-CN": "已写出 {files}", "en": "Wrote {files}"},
    "demo.builder": {"zh-CN": "在 Block Kit Builder 中预览频道消息：\n{link}",
                     "en": "Preview the channel message in Block Kit Builder:\n{link}"},
    "home.more": {"zh-CN": "……还有 {n} 项，见 `/feedsum status`。", "en": "…and {n} more; see `/feedsum status`."},
    # configured data sources: pulls, freshness, failures
    "data.as_of": {"zh-CN": "数据更新于 {when}", "en": "Data as of {when}"},
    "data.none": {"zh-CN": "暂无本月数据", "en": "No data for this month yet"},
    "data.failing": {"zh-CN": "⚠️ {n} 个数据源拉取失败，管理员可用 `/feedsum refresh` 查看原因",
                     "en": "⚠️ {n} data source(s) failing; admins see why with `/feedsum refresh`"},
    "refresh.title": {"zh-CN": "📥 已重新拉取 {month} 的数据源（{as_of}）：", "en": "📥 Pulled the {month} data sources again ({as_of}):"},
    "refresh.rows": {"zh-CN": "{rows} 行（剔除汇总行 {dropped} 行）", "en": "{rows} rows ({dropped} total rows dropped)"},
    "refresh.same": {"zh-CN": "未变化", "en": "unchanged"},
    "refresh.more": {"zh-CN": "……还有 {n} 个数据源", "en": "…and {n} more sources"},
    "refuse.no_sources": {"zh-CN": "这个报告没有配置数据源：在 `{file}` 的报告里加上 `[[reports.metrics]]`（文件或 SQL），或者直接把导出文件发到报告频道。",
                          "en": "This report has no data sources: add `[[reports.metrics]]` (files or SQL) to it in `{file}`, "
                                "or share an export in the report's channel."},
    "sources.failing": {"zh-CN": "⚠️ *{name}* 有数据源拉取失败（其他数据源照常导入）：\n{items}\n修好后可用 `/feedsum refresh` 重新拉取；同样的错误不会重复通知。",
                        "en": "⚠️ Data sources of *{name}* could not be pulled (the others still import):\n{items}\n"
                              "Once fixed, `/feedsum refresh` pulls again; the same error is not told twice."},
    "source.no_files": {"zh-CN": "没有文件匹配 {pattern}", "en": "no file matches {pattern}"},
    "summary.data_updated": {"zh-CN": "📊 {month}的数据有更新（平台回传的转化等）：{changes}。上面的汇总已按最新数据更新。",
                             "en": "📊 The {month} data changed (late conversions and other platform updates): {changes}. "
                                   "The summary above shows the latest figures."},
    "sources.state_title": {"zh-CN": "📥 *{name}* 的数据源：", "en": "📥 Data sources of *{name}*:"},
    "sources.state_never": {"zh-CN": "还没有拉取过", "en": "not pulled yet"},
    "sources.state_pulled": {"zh-CN": "上次拉取 {when} · {rows} 行", "en": "last pulled {when} · {rows} rows"},
    "sources.state_ok": {"zh-CN": "✅ 正常", "en": "✅ working"},
    "sources.state_failing": {"zh-CN": "⚠️ 自 {since} 起失败：{error}（保留上次成功拉取的数据）",
                        "en": "⚠️ failing since {since}: {error} (the last good data is kept)"},
    "source.mixed_currencies": {"zh-CN": "账户币种不同（{codes}），消耗和收入未合计：在 feedsum.toml 的报告里设置 currency（合计所用币种）和 currency_rates（每种外币折合多少 currency，例如 USD = 7.1）",
                                "en": "accounts use different currencies ({codes}), so spend and revenue are not added up: set currency "
                                      "(the currency of totals) and currency_rates (units of it per unit of each other one, e.g. USD = 7.1) "
                                      "on the report in feedsum.toml"},
    "kpi.mixed_currencies": {"zh-CN": "⚠️ 账户币种不同（{codes}），消耗、收入及相关指标未合计；管理员设置 currency_rates 后显示",
                             "en": "⚠️ Accounts use different currencies ({codes}): spend, revenue and the KPIs built on them are not "
                                   "added up until an admin sets currency_rates"},
    "source.unexpected": {"zh-CN": "读取失败（{kind}），详见 feedsum 日志", "en": "could not be read ({kind}); see feedsum's log"},
    "source.sql_connect": {"zh-CN": "SQL 数据源 {source} 连接失败（上次拉取的数据保持不变）：{error}",
                           "en": "SQL source {source}: cannot connect (the data of the last pull stays): {error}"},
    "source.sql_query": {"zh-CN": "SQL 数据源 {source} 查询出错（上次拉取的数据保持不变）：{error}",
                         "en": "SQL source {source}: the query failed (the data of the last pull stays): {error}"},
    "source.sql_driver": {"zh-CN": "SQL 数据源 {source}：没有安装 {dialect}:// 的驱动（例如 BigQuery 需要 `pip install sqlalchemy-bigquery`）：{error}",
                          "en": "SQL source {source}: no driver for {dialect}:// is installed (BigQuery, for one, needs "
                                "`pip install sqlalchemy-bigquery`): {error}"},
}


def _template(locale: str, key: str) -> str:
    entry = STRINGS[key]
    return entry.get(locale) or entry["en"]


def t(locale: str, key: str, **values: object) -> Mrkdwn:
    """The string `key` in `locale` (falling back to English) as safe mrkdwn, values escaped."""
    template = _template(locale, key)
    return md(template, **values) if values else Mrkdwn(template)


def t_plain(locale: str, key: str, **values: object) -> str:
    """The string `key` with `values` as they are: for plain_text fields, files and logs."""
    template = _template(locale, key)
    return template.format(**values) if values else template


def join_list(items: list[str], locale: str) -> str:
    """Items joined the locale's way; safe mrkdwn when every item is (else a plain str)."""
    sep = "、" if locale == "zh-CN" else ", "
    items = list(items)
    if items and all(isinstance(i, Mrkdwn) for i in items):
        return Mrkdwn(sep).join(items)
    return sep.join(items)


class Msg(str):
    """A user-facing message kept as a STRINGS key and its values, so that whoever shows it can
    render it in the report's locale with `.text(locale)`; used as a plain str it is English.

    Values may themselves be Msg (rendered in the same locale) or tuples of Msg (joined)."""

    def __new__(cls, key: str, **values: object) -> Msg:
        # As a plain str (logs, the command line) it is what people read, not escaped mrkdwn.
        self = super().__new__(cls, plain(_render("en", key, values)))
        self.key = key
        self.values = values
        return self

    def text(self, locale: str) -> str:
        return _render(locale, self.key, self.values)

    def __reduce__(self):
        return _msg, (self.key, self.values)


def _msg(key: str, values: dict) -> Msg:
    return Msg(key, **values)


def _render(locale: str, key: str, values: dict) -> str:
    def one(v: object) -> object:
        if isinstance(v, Msg):
            return v.text(locale)
        if isinstance(v, tuple):
            return join_list([str(one(x)) for x in v], locale)
        return v

    return t(locale, key, **{k: one(v) for k, v in values.items()})


def text_of(message: object, locale: str) -> str:
    """A message in `locale` when it is a Msg, else as it is."""
    return message.text(locale) if isinstance(message, Msg) else str(message)
