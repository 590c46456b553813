import os

from flask import Flask, jsonify, request
from flask_login import login_required
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config['SQLALCHEMY_DATABASE_URI'] = os.environ.get('DATABASE_URL', 'mysql+pymysql://localhost/todos')
app.config['SECRET_KEY'] = os.environ['SECRET_KEY']
db = SQLAlchemy(app)


class Todo(db.Model):
  id = db.Column(db.Integer, primary_key=True)
  title = db.Column(db.String(200), nullable=False)
  done = db.Column(db.Boolean, default=False)


@app.route('/todos', methods=['GET'])
@login_required
def list_todos():
  todos = Todo.query.order_by(Todo.id).all()
  return jsonify([{'id': t.id, 'title': t.title} for t in todos])


@app.route('/todos/<int:todo_id>', methods=['GET'])
def get_todo(todo_id):
  todo = db.get_or_404(Todo, todo_id)
  return {'id': todo.id, 'title': todo.title, 'done': todo.done}


@app.post('/todos')
@login_required
def create_todo():
  data = request.get_json()
  todo = Todo(title=data['title'])
  db.session.add(todo)
  db.session.commit()
  return {'id': todo.id}, 201
