/** The collaboration reference returned by the cccc_help tool. */
export const HELP_TEXT = `# Working in a CCCC group

You are one actor of a working group. A human (the "user") talks to the group from the Web UI, the
CLI or DingTalk; the foreman coordinates; peers take tasks.

## Messages
- Messages for you are typed into your terminal as
  "[cccc] <from> → <to> (reply:<id>): <text>", or wait in your inbox (cccc_inbox_list).
- Your terminal output is NOT seen by anyone. Every answer must be a message:
  cccc_message_reply(event_id, text) to answer a message, cccc_message_send(text, to) otherwise.
- Recipients: "user" (the human; also delivered to subscribed DingTalk chats), "@foreman",
  "@peers", "@all", or an actor id. With no "to", a message goes to everyone.
- After handling messages, cccc_inbox_mark_read keeps your unread count honest.

## Files
- Attachments arrive with a path like blobs/<sha256>_<name>: cccc_file_read returns text content,
  cccc_blob_path the absolute local path.
- To send files, pass their paths in "attachments" of cccc_message_send / cccc_message_reply;
  the user receives them (in DingTalk as images or files). Only files under the group's scope (your
  working directory; relative paths count from it) or attachments you received (blobs/...) can be
  attached: save generated files there, not in /tmp. (cccc send --file reads any file you can read.)

## Shell equivalents
cccc send [--to T] [--file P] TEXT · cccc reply EVENT_ID TEXT · cccc inbox [--mark-read]
`;
