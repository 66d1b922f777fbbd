using System.Text;
using Gateway.Configuration;

namespace Gateway.Host.Logging;

/// <summary>
/// The command line's stdout and stderr: what any verb prints (messages, errors, the parser's "Unhandled exception")
/// is masked line by line. Whole lines, because a secret split over two Write calls must still be found.
/// </summary>
public sealed class RedactingTextWriter : TextWriter
{
    private readonly TextWriter _inner;
    private readonly SecretRegistry _secrets;
    private readonly StringBuilder _pending = new();
    private readonly object _gate = new();

    public RedactingTextWriter(TextWriter inner, SecretRegistry secrets)
    {
        _inner = inner;
        _secrets = secrets;
    }

    public override Encoding Encoding => _inner.Encoding;

    public override IFormatProvider FormatProvider => _inner.FormatProvider;

    public override string NewLine
    {
        get => _inner.NewLine;
#pragma warning disable CS8765 // TextWriter.NewLine's setter accepts null; ours passes it on as is.
        set => _inner.NewLine = value;
#pragma warning restore CS8765
    }

    public override void Write(char value)
    {
        lock (_gate)
        {
            _pending.Append(value);
            if (value == '\n')
            {
                WriteCompleteLines();
            }
        }
    }

    public override void Write(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        lock (_gate)
        {
            _pending.Append(value);
            if (value.Contains('\n', StringComparison.Ordinal))
            {
                WriteCompleteLines();
            }
        }
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void WriteLine(string? value) => Write((value ?? "") + NewLine);

    public override void WriteLine() => Write(NewLine);

    public override void Flush()
    {
        lock (_gate)
        {
            if (_pending.Length > 0)
            {
                _inner.Write(_secrets.Redact(_pending.ToString()));
                _pending.Clear();
            }

            _inner.Flush();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Flush();
        }

        base.Dispose(disposing);
    }

    private void WriteCompleteLines()
    {
        var text = _pending.ToString();
        var end = text.LastIndexOf('\n') + 1;
        _inner.Write(_secrets.Redact(text[..end]));
        _inner.Flush();
        _pending.Clear().Append(text, end, text.Length - end);
    }
}
