/*
 * bridge.c - SciStack's in-process bridge from GNU Octave to the Python engine.
 *
 * GNU Octave has no `py.` interface, so the toolbox reaches the Python engine through
 * this MEX file. It embeds the Python interpreter in the Octave process and exposes one
 * operation: bytes in, bytes out. Octave passes a uint8 row vector (a wire-encoded
 * request, see docs/data-model.md); the bridge hands it to
 * scistack_engine.gateway.handle(request: bytes) -> bytes and returns the reply as a
 * uint8 row vector. Values are never converted between Octave and Python here: the
 * toolbox's .m codec and the engine's codec do that on each side.
 *
 * Calls (from +scistack/+internal/transport.m, never from user code):
 *
 *   scistack.internal.bridge('init', python_executable)
 *       Start Python once per Octave session. python_executable is the interpreter of
 *       the environment where scistack is installed (a venv's bin/python is fine: its
 *       site-packages are used). Calling it again with the same executable does nothing.
 *   reply = scistack.internal.bridge(request)
 *       request: uint8 vector; reply: 1xN uint8.
 *   tf = scistack.internal.bridge('initialized')
 *   v = scistack.internal.bridge('python_version')
 *       The Python version the bridge was compiled against, e.g. '3.11'.
 *   exe = scistack.internal.bridge('executable')
 *       The executable Python was started with ('' before 'init').
 *
 * Build: scistack.internal.build_bridge (called by scistack.setup), which runs
 *   mkoctfile --mex $(python3-config --includes) bridge.c $(python3-config --embed --ldflags)
 * with the python3-config of the base interpreter.
 *
 * Notes on embedding:
 * - libpython is re-opened with RTLD_GLOBAL before Python starts: Octave loads a MEX file
 *   with local symbol binding, and extension modules (numpy, duckdb, ...) need to resolve
 *   libpython's symbols globally.
 * - Python does not install signal handlers: Ctrl-C stays Octave's.
 * - Python can be initialised only once per process, so the MEX file locks itself in
 *   memory (mexLock) once Python runs; `clear all` does not unload it.
 * - The GIL is released between calls and taken for each call.
 * - mexErrMsgIdAndTxt does not return: every Python reference is released and the GIL
 *   given back before an error is raised.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "mex.h"

#define MSG_SIZE 4096
#define ID_SIZE 160

/* State kept for the life of the Octave process (the MEX file is locked once set). */
static int python_started = 0;
static PyObject *gateway_handle = NULL; /* scistack_engine.gateway.handle */
static char started_with[MSG_SIZE] = "";

/* Text of a Python object, copied into buf (never fails; no Python error left set). */
static void object_text(PyObject *obj, char *buf, size_t size)
{
    PyObject *text;
    const char *utf8;

    buf[0] = '\0';
    if (obj == NULL) {
        return;
    }
    text = PyObject_Str(obj);
    if (text == NULL) {
        PyErr_Clear();
        return;
    }
    utf8 = PyUnicode_AsUTF8(text);
    if (utf8 == NULL) {
        PyErr_Clear();
    } else {
        snprintf(buf, size, "%s", utf8);
    }
    Py_DECREF(text);
}

/*
 * Turn the pending Python exception into an identifier and a message, and clear it.
 * The identifier is prefix + ":" + the exception's class name (a valid identifier
 * component), e.g. scistack:bridge:ModuleNotFoundError.
 */
static void take_python_error(const char *prefix, const char *context, char *id,
                              char *msg)
{
    PyObject *type = NULL, *value = NULL, *traceback = NULL;
    char type_name[ID_SIZE] = "PythonError";
    char text[MSG_SIZE] = "";

    PyErr_Fetch(&type, &value, &traceback);
    PyErr_NormalizeException(&type, &value, &traceback);
    if (type != NULL && PyType_Check(type)) {
        snprintf(type_name, sizeof type_name, "%s", ((PyTypeObject *)type)->tp_name);
        /* builtins have a bare name; others may be dotted: keep the last part */
        {
            char *dot = strrchr(type_name, '.');
            if (dot != NULL) {
                memmove(type_name, dot + 1, strlen(dot + 1) + 1);
            }
        }
    }
    object_text(value, text, sizeof text);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(traceback);

    snprintf(id, ID_SIZE, "%s:%s", prefix, type_name);
    snprintf(msg, MSG_SIZE, "%s: %s: %s", context, type_name, text);
}

/* Promote libpython's symbols to global binding (see the notes at the top). */
static void make_libpython_global(void)
{
    Dl_info info;

    if (dladdr((void *)&Py_InitializeFromConfig, &info) != 0 && info.dli_fname != NULL) {
        /* RTLD_NOLOAD: the library is already mapped (this file links to it); only
         * its binding changes. */
        if (dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD) != NULL) {
            return;
        }
        dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL);
    }
}

/* Flush Python's output streams and run its atexit handlers when Octave exits. */
static void at_octave_exit(void)
{
    PyGILState_STATE gil;
    PyObject *result;

    if (!python_started) {
        return;
    }
    gil = PyGILState_Ensure();
    result = PyRun_String(
        "import atexit, sys\n"
        "atexit._run_exitfuncs()\n"
        "for _s in (sys.stdout, sys.stderr):\n"
        "    try:\n"
        "        _s.flush()\n"
        "    except Exception:\n"
        "        pass\n",
        Py_file_input, PyEval_GetBuiltins(), NULL);
    if (result == NULL) {
        PyErr_Clear();
    }
    Py_XDECREF(result);
    PyGILState_Release(gil);
}

/* Start Python with `executable` as sys.executable (its venv's site-packages import). */
static void start_python(const char *executable)
{
    PyConfig config;
    PyStatus status;
    char msg[MSG_SIZE];

    make_libpython_global();

    PyConfig_InitPythonConfig(&config);
    config.install_signal_handlers = 0;
    config.parse_argv = 0;
    status = PyConfig_SetBytesString(&config, &config.executable, executable);
    if (!PyStatus_Exception(status)) {
        status = PyConfig_SetBytesString(&config, &config.program_name, executable);
    }
    if (!PyStatus_Exception(status)) {
        status = Py_InitializeFromConfig(&config);
    }
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) {
        snprintf(msg, sizeof msg,
                 "could not start Python from '%.1024s': %.1024s. Run scistack.setup with the "
                 "Python of the environment where scistack is installed.",
                 executable, status.err_msg != NULL ? status.err_msg : "unknown error");
        mexErrMsgIdAndTxt("scistack:bridge:initFailed", "%s", msg);
    }

    python_started = 1;
    snprintf(started_with, sizeof started_with, "%s", executable);
    mexLock();
    mexAtExit(at_octave_exit);
    /* Release the GIL taken by initialisation; each call takes it again. */
    PyEval_SaveThread();
}

/* Import scistack_engine.gateway and keep a reference to its handle function. */
static void import_gateway(void)
{
    PyGILState_STATE gil;
    PyObject *module;
    char id[ID_SIZE], msg[MSG_SIZE], full[MSG_SIZE + 512];

    gil = PyGILState_Ensure();
    module = PyImport_ImportModule("scistack_engine.gateway");
    if (module != NULL) {
        gateway_handle = PyObject_GetAttrString(module, "handle");
        Py_DECREF(module);
    }
    if (gateway_handle == NULL) {
        take_python_error("scistack:bridge", "cannot import scistack_engine.gateway", id,
                          msg);
        PyGILState_Release(gil);
        snprintf(full, sizeof full,
                 "%.2048s (Python started from '%.1024s'). Install scistack into that environment "
                 "(pip install -e . in the repository) or run scistack.setup with the "
                 "right Python.",
                 msg, started_with);
        mexErrMsgIdAndTxt(id, "%s", full);
    }
    PyGILState_Release(gil);
}

static void command_init(int nrhs, const mxArray *prhs[])
{
    char executable[MSG_SIZE];

    if (nrhs != 2 || !mxIsChar(prhs[1])) {
        mexErrMsgIdAndTxt("scistack:bridge:badInput",
                          "usage: scistack.internal.bridge('init', python_executable)");
    }
    if (mxGetString(prhs[1], executable, sizeof executable) != 0 || executable[0] == '\0') {
        mexErrMsgIdAndTxt("scistack:bridge:badInput",
                          "the Python executable must be a non-empty path");
    }
    if (python_started) {
        if (strcmp(executable, started_with) != 0) {
            mexErrMsgIdAndTxt("scistack:bridge:alreadyStarted",
                              "Python is already running in this Octave session from "
                              "'%s'; restart Octave to use '%s'",
                              started_with, executable);
        }
    } else {
        start_python(executable);
    }
    if (gateway_handle == NULL) {
        import_gateway();
    }
}

static void call_gateway(const mxArray *request, mxArray *plhs[])
{
    PyGILState_STATE gil;
    PyObject *arg, *reply;
    const char *data;
    Py_ssize_t size;
    char id[ID_SIZE], msg[MSG_SIZE];

    if (gateway_handle == NULL) {
        mexErrMsgIdAndTxt("scistack:bridge:notStarted",
                          "the Python engine is not started: call "
                          "scistack.internal.bridge('init', python) first (engine_call "
                          "does this)");
    }
    if (mxIsComplex(request) || mxGetNumberOfDimensions(request) != 2 ||
        (mxGetM(request) > 1 && mxGetN(request) > 1)) {
        mexErrMsgIdAndTxt("scistack:bridge:badInput", "a request is a uint8 vector");
    }

    gil = PyGILState_Ensure();
    arg = PyBytes_FromStringAndSize((const char *)mxGetData(request),
                                    (Py_ssize_t)mxGetNumberOfElements(request));
    reply = arg == NULL ? NULL : PyObject_CallOneArg(gateway_handle, arg);
    Py_XDECREF(arg);
    if (reply == NULL) {
        take_python_error("scistack:bridge", "the engine gateway failed", id, msg);
        PyGILState_Release(gil);
        mexErrMsgIdAndTxt(id, "%s", msg);
    }
    if (!PyBytes_Check(reply)) {
        Py_DECREF(reply);
        PyGILState_Release(gil);
        mexErrMsgIdAndTxt("scistack:bridge:badReply",
                          "the engine gateway returned something other than bytes");
    }
    data = PyBytes_AS_STRING(reply);
    size = PyBytes_GET_SIZE(reply);
    plhs[0] = mxCreateNumericMatrix(1, (mwSize)size, mxUINT8_CLASS, mxREAL);
    if (size > 0) {
        memcpy(mxGetData(plhs[0]), data, (size_t)size);
    }
    Py_DECREF(reply);
    PyGILState_Release(gil);
}

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    char command[64];

    (void)nlhs;
    if (nrhs >= 1 && mxIsUint8(prhs[0])) {
        if (nrhs != 1) {
            mexErrMsgIdAndTxt("scistack:bridge:badInput",
                              "usage: reply = scistack.internal.bridge(request)");
        }
        call_gateway(prhs[0], plhs);
        return;
    }
    if (nrhs < 1 || !mxIsChar(prhs[0]) ||
        mxGetString(prhs[0], command, sizeof command) != 0) {
        mexErrMsgIdAndTxt("scistack:bridge:badInput",
                          "usage: scistack.internal.bridge(request) with a uint8 request, "
                          "or scistack.internal.bridge(command, ...)");
    }
    if (strcmp(command, "init") == 0) {
        command_init(nrhs, prhs);
    } else if (strcmp(command, "initialized") == 0) {
        plhs[0] = mxCreateLogicalScalar(gateway_handle != NULL);
    } else if (strcmp(command, "python_version") == 0) {
        char version[32];
        snprintf(version, sizeof version, "%d.%d", PY_MAJOR_VERSION, PY_MINOR_VERSION);
        plhs[0] = mxCreateString(version);
    } else if (strcmp(command, "executable") == 0) {
        plhs[0] = mxCreateString(started_with);
    } else {
        mexErrMsgIdAndTxt("scistack:bridge:badInput", "unknown bridge command '%s'",
                          command);
    }
}
