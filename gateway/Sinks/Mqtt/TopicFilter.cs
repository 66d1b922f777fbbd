namespace Gateway.Sinks.Mqtt;

/// <summary>MQTT topic filters (MQTT 5, 4.7): '/' separates levels, '+' matches one level, a final '#' any number.</summary>
public static class TopicFilter
{
    /// <summary>Whether <paramref name="filter"/> is a valid subscription filter; a problem is returned as text instead.</summary>
    public static bool IsValid(string? filter, out string problem)
    {
        problem = "";
        if (string.IsNullOrEmpty(filter))
        {
            problem = "the filter is empty";
            return false;
        }

        var levels = filter.Split('/');
        for (var i = 0; i < levels.Length; i++)
        {
            var level = levels[i];

            // MQTT 5, 4.7.1.2: '#' stands alone in the last level; 4.7.1.3: '+' stands alone in its level.
            if (level.Contains('#', StringComparison.Ordinal) && (level != "#" || i != levels.Length - 1))
            {
                problem = $"'{filter}' has '#' that is not the whole last level";
                return false;
            }

            if (level.Contains('+', StringComparison.Ordinal) && level != "+")
            {
                problem = $"'{filter}' has '+' that is not a whole level";
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether a topic name matches a valid filter.</summary>
    public static bool Matches(string filter, string topic)
    {
        // MQTT 5, 4.7.2: a filter starting with a wildcard does not match topics starting with '$'.
        if (topic.StartsWith('$') && filter.Length > 0 && filter[0] is '+' or '#')
        {
            return false;
        }

        var filterLevels = filter.Split('/');
        var topicLevels = topic.Split('/');
        for (var i = 0; i < filterLevels.Length; i++)
        {
            if (filterLevels[i] == "#")
            {
                // 4.7.1.2: "sport/#" also matches "sport" itself.
                return true;
            }

            if (i >= topicLevels.Length)
            {
                return false;
            }

            if (filterLevels[i] != "+" && !string.Equals(filterLevels[i], topicLevels[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return filterLevels.Length == topicLevels.Length;
    }
}
