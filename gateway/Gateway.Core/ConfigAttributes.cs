namespace Gateway.Core;

/// <summary>Marks a value that must never be printed (logs, `validate`, `/status`).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SecretAttribute : Attribute;

/// <summary>Marks a property that is not a YAML key: the binder fills it itself, or only code sets it.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NotAKeyAttribute : Attribute;

/// <summary>A place in a configuration file, 1-based.</summary>
public sealed record SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>Marks a file path key: a relative path is made absolute against the directory of the YAML file that names it.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class FilePathAttribute : Attribute;
