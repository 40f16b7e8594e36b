package dev.raftkv.script;

import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.DebugLib;

/**
 * The deterministic bound of one script run: LuaJ calls this hook before every Lua instruction
 * and every call, so a script stops after {@link LuaScripts#INSTRUCTION_BUDGET} instructions or
 * at a call depth of {@link LuaScripts#MAX_CALL_DEPTH}, at the same point on every replica,
 * whatever the machine's speed or Java stack size. Installed as the interpreter's debug library
 * but never visible to scripts (no {@code debug} global).
 */
final class Budget extends DebugLib {
  /** Thrown (as a Lua error, so the script's frames unwind) when the budget is spent. */
  static final class Exhausted extends LuaError {
    private static final long serialVersionUID = 1L;

    Exhausted(String message) {
      super(message, 0);
    }
  }

  private final long budget;
  private long used;
  private int depth;
  private boolean exhausted;
  /** The Lua functions being run, innermost last (null for a Java function). */
  private final java.util.ArrayList<LuaClosure> frames = new java.util.ArrayList<>();
  private int lastLine;

  Budget(long budget) {
    this.budget = budget;
  }

  long used() {
    return used;
  }

  boolean exhausted() {
    return exhausted;
  }

  /** Line of the last instruction run (for errors LuaJ reports without a position). */
  int lastLine() {
    return lastLine;
  }

  @Override
  public void onInstruction(int pc, Varargs v, int top) {
    int n = frames.size();
    LuaClosure c = n == 0 ? null : frames.get(n - 1);
    if (c != null && c.p.lineinfo != null && pc >= 0 && pc < c.p.lineinfo.length) {
      lastLine = c.p.lineinfo[pc];
    }
    if (++used > budget) {
      // every later instruction fails too, so a pcall in the script cannot swallow this
      exhausted = true;
      throw new Exhausted("ERR Script exceeded the instruction budget of " + budget
          + " Lua instructions (raftkv's deterministic bound in place of lua-time-limit)");
    }
  }

  @Override
  public void onCall(LuaFunction f) {
    enter();
    frames.add(null);
  }

  @Override
  public void onCall(LuaClosure c, Varargs varargs, LuaValue[] stack) {
    enter();
    frames.add(c);
  }

  private void enter() {
    if (++depth > LuaScripts.MAX_CALL_DEPTH) {
      depth--;
      throw new LuaError("stack overflow");
    }
  }

  @Override
  public void onReturn() {
    depth--;
    if (!frames.isEmpty()) {
      frames.remove(frames.size() - 1);
    }
  }

  @Override
  public String traceback(int level) {
    return "";
  }
}
