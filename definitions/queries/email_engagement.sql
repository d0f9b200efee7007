SELECT s.SubscriberKey,
       MAX(s.EventDate) AS LastSent,
       MAX(o.EventDate) AS LastOpened,
       COUNT(DISTINCT o.EventDate) AS Opens,
       COUNT(DISTINCT c.EventDate) AS Clicks,
       CASE WHEN MAX(r.EventDate) IS NULL THEN 0 ELSE 1 END AS SurveyResponded
FROM _Sent s
LEFT JOIN _Open o ON o.SubscriberKey = s.SubscriberKey AND o.JobID = s.JobID
LEFT JOIN _Click c ON c.SubscriberKey = s.SubscriberKey AND c.JobID = s.JobID
LEFT JOIN _SurveyResponse r ON r.SubscriberKey = s.SubscriberKey
WHERE s.EventDate > DATEADD(MONTH, -13, GETDATE())
GROUP BY s.SubscriberKey
