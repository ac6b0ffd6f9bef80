-- The seed asset catalog. Service ids are stable: they travel in every KMS encryption context,
-- so customers can write key-policy conditions on them. Never renumber.
insert into asset_types (name, service_id, service, description, cmk_eligible, organizer_decides) values
 ('meeting-recording',       '0001', 'meetings',       'Meeting and webinar recordings, transcripts, summaries, in-meeting chat', true, true),
 ('phone-recording',         '0002', 'phone',          'Phone call recordings', true, false),
 ('voicemail',               '0003', 'phone',          'Voicemail', true, false),
 ('calendar-token',          '0004', 'calendar',       'Calendar access tokens', true, false),
 ('compliance-archive',      '0006', 'archive',        'Compliance archives', true, false),
 ('phone-mms',               '0009', 'phone',          'Phone MMS', true, false),
 ('clip',                    '0010', 'clips',          'Clips', true, false),
 ('whiteboard',              '0011', 'whiteboard',     'Whiteboards', true, false),
 ('chat-message',            '0012', 'chat',           'Chat messages', true, false),
 ('chat-file',               '0013', 'chat',           'Chat files', true, false),
 ('mail',                    '0014', 'mail',           'Mail messages and attachments', true, false),
 ('doc',                     '0015', 'docs',           'Docs and notes', true, false),
 ('contact-center-recording','0016', 'contact-center', 'Contact-center recordings', true, false),
 ('search-index',            '0017', 'search',         'Search index (keyed-hash terms, encrypted postings)', true, false),
 ('live-call',               '0018', 'phone',          'Live call session keys', true, false),
 ('meeting-metadata',        '0020', 'meetings',       'Meeting metadata (titles, participant lists); platform-key only', false, true);
