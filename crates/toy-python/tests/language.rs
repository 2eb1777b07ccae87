// The language: syntax errors, semantics, runtime errors, and `dis`.

mod common;

use common::{interp, run, workload};
use toy_python::{Value, compile};

fn syntax_error(source: &str) -> (usize, usize, String) {
    match compile(source) {
        Ok(_) => panic!("expected a SyntaxError for {source:?}"),
        Err(e) => (e.line, e.column, e.message),
    }
}

fn eval(expr: &str) -> Result<Value, String> {
    run(&format!("def f():\n    return {expr}\n"), "f", &[])
}

fn int(expr: &str) -> i64 {
    match eval(expr) {
        Ok(Value::Int(n)) => n,
        other => panic!("{expr} gave {other:?}"),
    }
}

#[test]
fn syntax_errors_have_exact_positions() {
    let cases: &[(&str, usize, usize, &str)] = &[
        ("def f(:\n    return 1\n", 1, 7, "parameter"),
        ("x = 1\ny = (2 +\n", 2, 5, "never closed"),
        ("x = 1 +\n", 1, 8, "expression"),
        ("def f():\nreturn 1\n", 2, 1, "indented block"),
        ("x = 1\n    y = 2\n", 2, 5, "unexpected indent"),
        (
            "def f():\n    if 1:\n        x = 1\n      y = 2\n",
            4,
            7,
            "unindent",
        ),
        ("def f():\n\treturn 1\n", 2, 1, "tabs"),
        ("x = 'a'\n", 1, 5, "strings"),
        ("x = 1 / 2\n", 1, 7, "//"),
        ("x = 1.5\n", 1, 5, "float"),
        ("1 = x\n", 1, 1, "literal"),
        ("f() = 3\n", 1, 1, "function call"),
        ("break\n", 1, 1, "outside loop"),
        ("while 1:\n    pass\ncontinue\n", 3, 1, "loop"),
        ("return 3\n", 1, 1, "outside function"),
        ("x = 1 < 2 < 3\n", 1, 11, "chained"),
        ("def f(a, a):\n    pass\n", 1, 10, "duplicate"),
        ("def f(a):\n    global a\n", 2, 5, "parameter and global"),
        ("def f():\n    def g():\n        pass\n", 2, 5, "nested"),
        ("x = 99999999999999999999\n", 1, 5, "64 bits"),
        ("for i in x:\n    pass\n", 1, 1, "not supported"),
        ("x = (1))\n", 1, 8, "unmatched"),
        ("if x:\n    pass\nelse x:\n    pass\n", 3, 6, "':'"),
        ("x = $\n", 1, 5, "invalid character"),
        ("  x = 1\n", 1, 3, "unexpected indent"),
    ];
    for &(source, line, column, needle) in cases {
        let (l, c, m) = syntax_error(source);
        assert_eq!(
            (l, c),
            (line, column),
            "position of the error in {source:?} (message {m:?})"
        );
        assert!(
            m.contains(needle),
            "message for {source:?} is {m:?}, expected it to mention {needle:?}"
        );
    }
}

#[test]
fn syntax_error_display_names_the_line() {
    let e = compile("def f(:\n").unwrap_err();
    assert!(e.to_string().contains("line 1"), "{e}");
}

#[test]
fn floor_division_and_modulo_follow_python() {
    for a in [-7i64, -6, -1, 0, 1, 6, 7, 13, -13] {
        for b in [-3i64, -2, -1, 1, 2, 3, 5] {
            let q = a.div_euclid(b) - if b < 0 && a.rem_euclid(b) != 0 { 1 } else { 0 };
            let q_python = (a as f64 / b as f64).floor() as i64;
            assert_eq!(q, q_python);
            assert_eq!(int(&format!("({a}) // ({b})")), q_python, "{a} // {b}");
            assert_eq!(
                int(&format!("({a}) % ({b})")),
                a - b * q_python,
                "{a} % {b}"
            );
        }
    }
    assert_eq!(int("-7 // 2"), -4);
    assert_eq!(int("-7 % 2"), 1);
    assert_eq!(int("7 % -2"), -1);
    assert_eq!(int("-9223372036854775807 - 1 // -1"), -9223372036854775806);
}

#[test]
fn arithmetic_precedence_and_unary() {
    assert_eq!(int("1 + 2 * 3"), 7);
    assert_eq!(int("(1 + 2) * 3"), 9);
    assert_eq!(int("10 - 3 - 2"), 5);
    assert_eq!(int("-2 * -3"), 6);
    assert_eq!(int("- (2 + 3)"), -5);
    assert_eq!(int("2 * 7 // 3 % 4"), 0);
    assert_eq!(int("True + True"), 2);
    assert_eq!(int("+5"), 5);
    assert_eq!(int("abs(-5) + min(3, 1, 2) + max(4, 9)"), 15);
    assert_eq!(eval("max(True, 0)"), Ok(Value::Bool(true)));
}

#[test]
fn booleans_comparisons_and_short_circuit() {
    assert_eq!(eval("1 < 2"), Ok(Value::Bool(true)));
    assert_eq!(eval("2 <= 1"), Ok(Value::Bool(false)));
    assert_eq!(eval("3 == 3"), Ok(Value::Bool(true)));
    assert_eq!(eval("3 != 3"), Ok(Value::Bool(false)));
    assert_eq!(eval("None == None"), Ok(Value::Bool(true)));
    assert_eq!(eval("1 == True"), Ok(Value::Bool(true)));
    assert_eq!(eval("not 0"), Ok(Value::Bool(true)));
    assert_eq!(eval("not None"), Ok(Value::Bool(true)));
    // `and`/`or` return an operand, as in Python.
    assert_eq!(eval("0 and 5"), Ok(Value::Int(0)));
    assert_eq!(eval("3 and 5"), Ok(Value::Int(5)));
    assert_eq!(eval("0 or 5"), Ok(Value::Int(5)));
    assert_eq!(eval("3 or 5"), Ok(Value::Int(3)));
    assert_eq!(eval("None or False"), Ok(Value::Bool(false)));
    // Short circuit: the division by zero is never evaluated.
    assert_eq!(eval("0 and 1 // 0"), Ok(Value::Int(0)));
    assert_eq!(eval("1 or 1 // 0"), Ok(Value::Int(1)));
    assert_eq!(eval("not 1 == 2"), Ok(Value::Bool(true)));
    assert_eq!(eval("1 < 2 and 2 < 3 or 0"), Ok(Value::Bool(true)));
}

#[test]
fn control_flow() {
    let source = "\
def classify(n):
    if n < 0:
        return -1
    elif n == 0:
        return 0
    elif n < 10:
        return 1
    else:
        return 2

def loops(n):
    total = 0
    i = 0
    while True:
        i += 1
        if i > n:
            break
        if i % 2 == 0:
            continue
        total += i  # odd numbers only
    return total

def nested(n):
    count = 0
    i = 0
    while i < n:
        j = 0
        while j < n:
            if j == i: break
            count += 1
            j += 1
        i += 1
    return count

def nothing():
    pass

def early(x):
    if not x:
        return
    x -= 1
    x *= 3
    x //= 2
    x %= 7
    return x
";
    let it = interp(source);
    let call = |f: &str, args: &[i64]| {
        let args: Vec<Value> = args.iter().map(|&n| Value::Int(n)).collect();
        it.call(f, &args).unwrap()
    };
    assert_eq!(call("classify", &[-5]), Value::Int(-1));
    assert_eq!(call("classify", &[0]), Value::Int(0));
    assert_eq!(call("classify", &[5]), Value::Int(1));
    assert_eq!(call("classify", &[50]), Value::Int(2));
    assert_eq!(call("loops", &[10]), Value::Int(25));
    assert_eq!(call("nested", &[5]), Value::Int(10));
    assert_eq!(call("nothing", &[]), Value::None);
    assert_eq!(call("early", &[0]), Value::None);
    assert_eq!(call("early", &[10]), Value::Int(6));
}

#[test]
fn globals_locals_and_top_level() {
    let source = "\
limit = 3 * 4
count = 0
if limit > 10:
    big = True
else:
    big = False

def bump(by):
    global count
    count += by
    return count

def shadow():
    limit = 1
    return limit

def read():
    return limit + count
";
    let it = interp(source);
    assert_eq!(it.global("limit"), Some(Value::Int(12)));
    assert_eq!(it.global("big"), Some(Value::Bool(true)));
    assert_eq!(it.call("bump", &[Value::Int(5)]), Ok(Value::Int(5)));
    assert_eq!(it.call("bump", &[Value::Int(2)]), Ok(Value::Int(7)));
    assert_eq!(it.global("count"), Some(Value::Int(7)));
    assert_eq!(it.call("shadow", &[]), Ok(Value::Int(1)));
    assert_eq!(it.global("limit"), Some(Value::Int(12)));
    it.set_global("limit", Value::Int(100));
    assert_eq!(it.call("read", &[]), Ok(Value::Int(107)));
    it.set_global("brand_new", Value::None);
    assert_eq!(it.global("brand_new"), Some(Value::None));
    assert_eq!(it.global("never_set"), None);
}

#[test]
fn recursion_works_and_has_a_limit() {
    assert_eq!(run(&workload("fib.py"), "fib", &[20]), Ok(Value::Int(6765)));
    let deep = "def down(n):\n    if n == 0:\n        return 0\n    return 1 + down(n - 1)\n";
    assert_eq!(run(deep, "down", &[500]), Ok(Value::Int(500)));
    let err = run(deep, "down", &[100_000]).unwrap_err();
    assert!(err.contains("RecursionError"), "{err}");
    assert!(err.contains("down") && err.contains("line 4"), "{err}");
    let forever = "def f():\n    return f()\n";
    assert!(
        run(forever, "f", &[])
            .unwrap_err()
            .contains("RecursionError")
    );
}

#[test]
fn runtime_errors_name_the_problem_the_function_and_the_line() {
    let cases: &[(&str, &str, &[i64], &[&str])] = &[
        (
            "def f():\n    x = 1\n    return y + x\n",
            "f",
            &[],
            &["NameError: name 'y' is not defined", "f", "line 3"],
        ),
        (
            "def f(a, b):\n    return a\ndef g():\n    return f(1)\n",
            "g",
            &[],
            &[
                "TypeError",
                "f() takes 2 positional arguments but 1 was given",
                "line 4",
            ],
        ),
        (
            "def f(n):\n    return 10 // n\n",
            "f",
            &[0],
            &["ZeroDivisionError", "in function f, line 2"],
        ),
        (
            "def f(n):\n    return 10 % n\n",
            "f",
            &[0],
            &["ZeroDivisionError"],
        ),
        (
            "def f(n):\n    return n * n * n\n",
            "f",
            &[10_000_000],
            &["OverflowError", "line 2"],
        ),
        (
            "def f(n):\n    return -n\n",
            "f",
            &[i64::MIN],
            &["OverflowError"],
        ),
        (
            "def f(n):\n    return n // -1\n",
            "f",
            &[i64::MIN],
            &["OverflowError"],
        ),
        (
            "def f(n):\n    x = 3\n    return x(n)\n",
            "f",
            &[1],
            &["TypeError: 'int' object is not callable", "line 3"],
        ),
        (
            "def f():\n    if False:\n        x = 1\n    return x\n",
            "f",
            &[],
            &["UnboundLocalError", "'x'"],
        ),
        (
            "def f():\n    return None + 1\n",
            "f",
            &[],
            &["TypeError", "NoneType"],
        ),
        ("def f():\n    return None < 1\n", "f", &[], &["TypeError"]),
        ("def f():\n    return -None\n", "f", &[], &["TypeError"]),
        (
            "def f():\n    return abs(1, 2)\n",
            "f",
            &[],
            &["TypeError", "abs"],
        ),
        (
            "def f():\n    return min(1)\n",
            "f",
            &[],
            &["TypeError", "min"],
        ),
        (
            "def f():\n    return sleep_ms(-1)\n",
            "f",
            &[],
            &["ValueError"],
        ),
        ("def f():\n    return f\n", "f", &[], &["TypeError"]),
        ("def f():\n    return 1\n", "g", &[], &["NameError", "'g'"]),
        (
            "def f():\n    return 1\n",
            "f",
            &[1],
            &["TypeError", "f() takes 0"],
        ),
        ("x = 3\n", "x", &[], &["TypeError", "not callable"]),
    ];
    for &(source, f, args, needles) in cases {
        let err = run(source, f, args).expect_err(source);
        for needle in needles {
            assert!(
                err.contains(needle),
                "error of {source:?} is {err:?}; expected {needle:?} in it"
            );
        }
    }
    let program = compile("x = 1\ny = x // 0\n").unwrap();
    let gil = std::sync::Arc::new(toy_python::TickGil::new(100));
    let err = toy_python::Interpreter::new(&program, gil).err().unwrap();
    assert!(
        err.message.contains("ZeroDivisionError") && err.message.contains("line 2"),
        "{err}"
    );
}

#[test]
fn builtins_print_and_spin() {
    assert_eq!(
        run("def f():\n    return print(1, True, None)\n", "f", &[]),
        Ok(Value::None)
    );
    assert_eq!(
        run("def f(n):\n    return spin(n)\n", "f", &[1000]),
        Ok(Value::Int(499_500))
    );
    assert_eq!(
        run("def f(n):\n    return spin(n)\n", "f", &[-3]),
        Ok(Value::Int(0))
    );
    // A program may shadow a builtin with its own function.
    let own = "def abs(x):\n    return 42\ndef f():\n    return abs(-1)\n";
    assert_eq!(run(own, "f", &[]), Ok(Value::Int(42)));
    // Builtins are callable from Rust too.
    assert_eq!(run("x = 1\n", "max", &[3, 9]), Ok(Value::Int(9)));
}

#[test]
fn accepted_layout() {
    let source = "\
# a comment
x = 1   # trailing comment

def f(a,
      b,):
    # comment inside

    if a: return b
    total = (a +
             b)
    total = total \\
        + 1
    return total
while x < 3: x += 1
";
    let it = interp(source);
    assert_eq!(it.global("x"), Some(Value::Int(3)));
    assert_eq!(
        it.call("f", &[Value::Int(0), Value::Int(2)]),
        Ok(Value::Int(3))
    );
    assert_eq!(
        it.call("f", &[Value::Int(1), Value::Int(2)]),
        Ok(Value::Int(2))
    );
    // No trailing newline, CRLF line endings.
    assert!(compile("def f():\r\n    return 1").is_ok());
    assert!(compile("").is_ok());
    assert!(compile("\n\n# only comments\n").is_ok());
}

#[test]
fn dis_of_a_small_function() {
    let program = compile(&workload("count.py")).unwrap();
    let expected = "  2           0 RESUME                   0

  3           2 LOAD_CONST               0 (0)
              4 STORE_FAST               1 (i)

  4     >>    6 LOAD_FAST                1 (i)
              8 LOAD_FAST                0 (n)
             10 COMPARE_OP               0 (<)
             12 POP_JUMP_FORWARD_IF_FALSE     5 (to 24)

  5          14 LOAD_FAST                1 (i)
             16 LOAD_CONST               1 (1)
             18 BINARY_OP               13 (+=)
             20 STORE_FAST               1 (i)

  4          22 JUMP_BACKWARD            9 (to 6)

  6     >>   24 LOAD_FAST                1 (i)
             26 RETURN_VALUE
";
    assert_eq!(program.dis_function("count").as_deref(), Some(expected));
    assert_eq!(program.dis_function("nope"), None);
    assert_eq!(program.functions(), vec!["count".to_string()]);
    let all = program.dis();
    assert!(all.contains("STORE_GLOBAL             0 (count)"), "{all}");
    assert!(
        all.contains("Disassembly of <code object count>:\n"),
        "{all}"
    );
    assert!(all.ends_with(expected), "{all}");

    let calls = compile(&workload("lost_update.py")).unwrap();
    let add = calls.dis_function("add").unwrap();
    assert!(add.contains("LOAD_GLOBAL              1 (bump)"), "{add}");
    assert!(add.contains("CALL                     0"), "{add}");
    assert!(
        add.contains("STORE_GLOBAL             0 (counter)"),
        "{add}"
    );
}

/// A small deterministic generator, so the fuzz test needs no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn malformed_input_never_panics() {
    let valid: Vec<String> = ["count.py", "lost_update.py", "io.py", "fib.py"]
        .iter()
        .map(|w| workload(w))
        .chain([
            "def f(a, b):\n    if a < b and not a or b:\n        return -a // b % 3\n    \
             while a:\n        a -= 1\n        if a == 2: break\n        else:\n            \
             continue\n    return max(a, b)\nx = f(1, 2)\n"
                .to_string(),
        ])
        .collect();
    let mut inputs: Vec<String> = vec![
        "(".repeat(10_000),
        ")".repeat(100),
        "-".repeat(10_000) + "1",
        "x = ".to_string() + &"not ".repeat(10_000) + "1",
        "x = ".to_string() + &"(".repeat(10_000) + "1" + &")".repeat(10_000),
        (0..200)
            .map(|i| format!("{}if 1:\n", " ".repeat(i)))
            .collect::<String>(),
        "def".into(),
        "def f".into(),
        "def f(".into(),
        "def f()".into(),
        "def f():".into(),
        "\\".into(),
        "x = 1 \\ 2".into(),
        "\u{feff}x = 1".into(),
        "é = 1".into(),
        "x = 1\n\0".into(),
        "if 1:\n  x = 1\n y = 2\n".into(),
        "x = f(,)".into(),
        "x = f(1 2)".into(),
        "global".into(),
        "return".into(),
        "else:".into(),
        "elif 1:".into(),
        "x += ".into(),
        "x = = 1".into(),
        "x = 1 = 2".into(),
        "(x) = 1".into(),
        "-x = 1".into(),
        "x = 9223372036854775808".into(),
        "x = -9223372036854775808".into(),
        "x = 1_".into(),
        "x = 0_1".into(),
        "x = 00".into(),
        "x = 1__0".into(),
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for source in &valid {
        let chars: Vec<char> = source.chars().collect();
        for end in 0..chars.len() {
            inputs.push(chars[..end].iter().collect());
        }
        for _ in 0..300 {
            let mut bytes = source.as_bytes().to_vec();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(bytes.len());
                match rng.below(4) {
                    0 => bytes[at] = rng.next() as u8,
                    1 => {
                        bytes.remove(at);
                    }
                    2 => {
                        let pool = b"()\n :=+-#\t\\,x1";
                        bytes.insert(at, pool[rng.below(pool.len())]);
                    }
                    _ => bytes.truncate(at),
                }
                if bytes.is_empty() {
                    break;
                }
            }
            inputs.push(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    for _ in 0..500 {
        let bytes: Vec<u8> = (0..rng.below(200)).map(|_| rng.next() as u8).collect();
        inputs.push(String::from_utf8_lossy(&bytes).into_owned());
    }
    for source in &inputs {
        let outcome = std::panic::catch_unwind(|| {
            if let Ok(program) = compile(source) {
                let _ = program.dis();
                // Run what compiles, briefly: the top level and each function with small
                // arguments (a sleep or a long loop could only come from the valid sources).
                let gil = std::sync::Arc::new(toy_python::TickGil::new(100));
                if let Ok(it) = toy_python::Interpreter::new_limited(&program, gil, 100_000) {
                    it.set_instruction_limit(Some(it.instructions() + 100_000));
                    for f in program.functions() {
                        if f == "wait_many" || f == "wait" || f == "fib" {
                            continue;
                        }
                        for n in 0..3 {
                            let _ = it.call(&f, &[Value::Int(n)]);
                            let _ = it.call(&f, &[Value::Int(n), Value::Int(2)]);
                        }
                    }
                }
            }
        });
        assert!(outcome.is_ok(), "compile or run panicked on {source:?}");
    }
}
