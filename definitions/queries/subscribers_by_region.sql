SELECT s.SubscriberKey,
       s.Email,
       c.City,
       COALESCE(c.Region, c.City) AS Region
FROM [NTO Monthly Newsletter Subscribers] s
JOIN [NTO Customers] c ON c.SubscriberKey = s.SubscriberKey
WHERE s.OptedIn = 1
